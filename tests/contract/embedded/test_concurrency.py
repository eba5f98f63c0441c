"""Many writers at once: every write lands, once, with its own resourceVersion, and a
watcher sees them all in order."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from tests.support.sessions import Api

WRITERS = 8
EACH = 15


def test_concurrent_creates_and_updates(embedded, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    with Api(embedded.url) as api:
        start_rv = api.get(path).json()["metadata"]["resourceVersion"]

    def write(writer: int) -> list[str]:
        versions = []
        with Api(embedded.url) as api:
            for i in range(EACH):
                created = api.post(path, json={"metadata": {"name": f"w{writer}-{i}"}})
                assert created.status_code == 201, created.text
                versions.append(created.json()["metadata"]["resourceVersion"])
            # Everybody increments the same counter with optimistic concurrency.
            while True:
                shared = api.get(f"{path}/counter")
                if shared.status_code == 404:
                    if (
                        api.post(path, json={"metadata": {"name": "counter"}, "data": {"n": "1"}}).status_code
                        == 201
                    ):
                        break
                    continue
                obj = shared.json()
                obj["data"]["n"] = str(int(obj["data"]["n"]) + 1)
                if api.put(f"{path}/counter", json=obj).status_code == 200:
                    break
        return versions

    with ThreadPoolExecutor(WRITERS) as pool:
        versions = [rv for batch in pool.map(write, range(WRITERS)) for rv in batch]

    assert len(set(versions)) == WRITERS * EACH
    with Api(embedded.url) as api:
        items = api.get(path).json()["items"]
        assert len(items) == WRITERS * EACH + 1
        counter = api.get(f"{path}/counter").json()
        assert counter["data"]["n"] == str(WRITERS)
        with api.get(
            path, params={"watch": "true", "resourceVersion": start_rv, "timeoutSeconds": 1}, stream=True
        ) as stream:
            events = [json.loads(line) for line in stream.iter_lines() if line]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)
    added = {e["object"]["metadata"]["name"] for e in events if e["type"] == "ADDED"}
    assert len(added) == WRITERS * EACH + 1
