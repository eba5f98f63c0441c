"""Pure converters between v1 API messages and the Kubernetes objects the v2 API serves.

Messages are dicts keyed by proto field names with enum value names (what
``v1compat.schemas`` loads and dumps); objects are plain Kubernetes JSON dicts. No I/O: the
caller fetches templates, CRs and events and hands them in.
"""

from v1compat.convert.cluster import (
    MissingTemplateError,
    cluster_spec_from_raycluster_spec,
    cluster_to_raycluster,
    go_time_string,
    is_managed,
    raycluster_spec,
    raycluster_to_cluster,
    required_templates,
    unshown_spec_fields,
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

__all__ = [
    "MANAGED_BY_SELECTOR",
    "ConversionError",
    "MissingTemplateError",
    "QuantityError",
    "canonical_quantity",
    "cluster_event_from_event",
    "cluster_spec_from_raycluster_spec",
    "cluster_to_raycluster",
    "go_time_string",
    "is_managed",
    "is_quantity",
    "parse_quantity",
    "raycluster_spec",
    "raycluster_to_cluster",
    "unshown_spec_fields",
    "required_templates",
]
