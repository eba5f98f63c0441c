"""Pure converters between v1 API messages and the Kubernetes objects the v2 API serves.

Messages are dicts keyed by proto field names with enum value names (what
``v1compat.schemas`` loads and dumps); objects are plain Kubernetes JSON dicts. No I/O: the
caller fetches templates, CRs and events and hands them in.
"""

from v1compat.convert.cluster import (
    CREATE_CLUSTER_FAILED,
    cluster_spec_from_raycluster_spec,
    cluster_to_raycluster,
    go_time_string,
    is_managed,
    raycluster_spec,
    raycluster_to_cluster,
    required_templates,
)
from v1compat.convert.constants import MANAGED_BY_SELECTOR
from v1compat.convert.errors import ConversionError
from v1compat.convert.events import cluster_event_from_event
from v1compat.convert.quantity import (
    QuantityError,
    canonical_quantity,
    is_quantity,
    parse_quantity,
)
from v1compat.convert.templates import (
    configmap_from_template,
    template_from_configmap,
    validate_template_memory,
)

__all__ = [
    "CREATE_CLUSTER_FAILED",
    "MANAGED_BY_SELECTOR",
    "ConversionError",
    "QuantityError",
    "canonical_quantity",
    "cluster_event_from_event",
    "cluster_spec_from_raycluster_spec",
    "cluster_to_raycluster",
    "configmap_from_template",
    "go_time_string",
    "is_managed",
    "is_quantity",
    "parse_quantity",
    "raycluster_spec",
    "raycluster_to_cluster",
    "required_templates",
    "template_from_configmap",
    "validate_template_memory",
]
