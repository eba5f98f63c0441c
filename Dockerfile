# The kuberay-bridge image the Helm chart runs: built in one stage, run from a slim one with only
# the runtime dependencies, as a non-root user. Build: docker build -t kuberay-bridge .
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md MIGRATION.md ./
COPY bridge ./bridge
COPY v1compat ./v1compat
COPY v2proxy ./v2proxy
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
RUN groupadd --system --gid 10001 bridge \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent bridge
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-compile /wheels/*.whl
# Settings as the BRIDGE_* environment (docker run -e BRIDGE_UPSTREAM=... overrides them);
# the default upstream, auto, picks the in-cluster API inside a pod.
ENV PYTHONUNBUFFERED=1 \
    BRIDGE_HOST=0.0.0.0 \
    BRIDGE_PORT=31888
USER 10001:10001
WORKDIR /tmp
EXPOSE 31888
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ['BRIDGE_PORT'], timeout=4)"]
ENTRYPOINT ["kuberay-bridge", "serve"]
