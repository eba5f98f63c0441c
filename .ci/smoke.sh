#!/usr/bin/env bash
# The README's quickstarts against a running bridge (default http://127.0.0.1:31888): the v1
# block exactly as README.md shows it, then a v2 create and read of a RayCluster. Exits non-zero
# naming the first answer that is not what the README promises.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-http://127.0.0.1:31888}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The ```sh block under the "### v1 (legacy ..." heading, run verbatim.
awk '/^### v1 \(legacy/ {section = 1} section && /^```sh$/ {block = 1; next}
     block && /^```$/ {exit} block' README.md >"$scratch/v1-quickstart.sh"
grep -q 'compute_templates' "$scratch/v1-quickstart.sh" || { echo "smoke: no v1 quickstart in README.md" >&2; exit 1; }
echo "+ the README's v1 quickstart"
bash "$scratch/v1-quickstart.sh" >"$scratch/v1.out"

# Its two answers, one after the other: the created template, then the list holding it.
python3 - "$scratch/v1.out" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
decoder, answers, at = json.JSONDecoder(), [], 0
while text[at:].strip():
    at += len(text[at:]) - len(text[at:].lstrip())
    answer, at = decoder.raw_decode(text, at)
    answers.append(answer)
assert len(answers) == 2, f"expected 2 JSON answers, got {answers!r}"
created, listed = answers
expected = {"name": "default-template", "namespace": "ray-system", "cpu": 2, "memory": 4}
assert all(created.get(key) == value for key, value in expected.items()), f"create answered {created!r}"
names = [template.get("name") for template in listed.get("computeTemplates", [])]
assert "default-template" in names, f"list answered {listed!r}"
print("v1 quickstart: template created and listed")
EOF

status() {  # status FILE METHOD PATH [curl args...]: the HTTP status, body in FILE
    local out=$1 method=$2 path=$3
    shift 3
    curl --silent --show-error --max-time 30 -o "$out" -w '%{http_code}' -X "$method" "$base$path" "$@"
}
expect() {  # expect WANT GOT FILE
    [ "$1" = "$2" ] || { echo "smoke: expected HTTP $1, got $2: $(cat "$3")" >&2; exit 1; }
}

code=$(status "$scratch/get-template.json" GET /apis/v1/namespaces/ray-system/compute_templates/default-template)
expect 200 "$code" "$scratch/get-template.json"

echo "+ a v2 create of a RayCluster"
clusters=/apis/ray.io/v1/namespaces/default/rayclusters
code=$(status "$scratch/created.json" POST "$clusters" -H 'Content-Type: application/yaml' --data-binary @- <<'EOF'
apiVersion: ray.io/v1
kind: RayCluster
metadata: {name: smoke-demo}
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers: [{name: ray-head, image: rayproject/ray:2.41.0}]
EOF
)
expect 201 "$code" "$scratch/created.json"
code=$(status "$scratch/read.json" GET "$clusters/smoke-demo")
expect 200 "$code" "$scratch/read.json"
python3 - "$scratch/created.json" "$scratch/read.json" <<'EOF'
import json, sys
created, read = (json.load(open(path)) for path in sys.argv[1:])
for answer in (created, read):
    assert answer["kind"] == "RayCluster" and answer["apiVersion"] == "ray.io/v1", answer
    assert answer["metadata"]["name"] == "smoke-demo" and answer["metadata"]["uid"], answer
assert read["metadata"]["uid"] == created["metadata"]["uid"], (created, read)
print("v2: RayCluster created (201) and read back (200)")
EOF
