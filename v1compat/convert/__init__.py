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
from v1compat.convert.job import job_to_rayjob, rayjob_to_job, required_job_templates, unshown_job_spec_fields
from v1compat.convert.quantity import (
    QuantityError,
    canonical_quantity,
    is_quantity,
    parse_quantity,
)
from v1compat.convert.service import (
    active_cluster_name,
    rayservice_to_service,
    service_to_rayservice,
    unshown_service_spec_fields,
)
from v1compat.convert.submissions import (
    job_info_from_dashboard,
    job_log_from_dashboard,
    submission_to_job_request,
    submit_reply_from_dashboard,
)

__all__ = [
    "active_cluster_name",
    "rayservice_to_service",
    "service_to_rayservice",
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
    "job_to_rayjob",
    "job_info_from_dashboard",
    "job_log_from_dashboard",
    "parse_quantity",
    "raycluster_spec",
    "raycluster_to_cluster",
    "rayjob_to_job",
    "required_job_templates",
    "unshown_spec_fields",
    "unshown_job_spec_fields",
    "unshown_service_spec_fields",
    "required_templates",
    "submission_to_job_request",
    "submit_reply_from_dashboard",
]
