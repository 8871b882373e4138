#!/usr/bin/env bash
# Deploys the podsafe example app to a local kind cluster with one session backend,
# then proves the point of the project: a logged-in user keeps their session when
# the pod that served them is killed.
#
#   examples/kubernetes/deploy-kind.sh <redis|memcached|jwt>
#
# Needs docker (with a running engine), kind, kubectl and curl. Safe to re-run: the
# cluster is reused, the image rebuilt and reloaded, the manifests re-applied.
# Environment: KIND_CLUSTER_NAME (default podsafe), PODSAFE_LOCAL_PORT (default 18080).
set -euo pipefail

usage() {
  echo "usage: deploy-kind.sh <redis|memcached|jwt>" >&2
  exit 2
}
[[ $# -eq 1 ]] || usage
BACKEND=$1
case "$BACKEND" in
  redis | memcached | jwt) ;;
  *) usage ;;
esac

# Builtins only up to the tool check, so a missing tool gets the clear message below
# rather than "dirname: command not found".
case "${BASH_SOURCE[0]}" in
  */*) script_dir=${BASH_SOURCE[0]%/*} ;;
  *) script_dir=. ;;
esac
SCRIPT_DIR=$(cd "$script_dir" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

missing=()
for tool in docker kind kubectl curl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  echo "deploy-kind.sh: missing required tool(s): ${missing[*]}" >&2
  for tool in "${missing[@]}"; do
    case "$tool" in
      docker) echo "  docker:  https://docs.docker.com/engine/install/" >&2 ;;
      kind) echo "  kind:    https://kind.sigs.k8s.io/docs/user/quick-start/#installation" >&2 ;;
      kubectl) echo "  kubectl: https://kubernetes.io/docs/tasks/tools/" >&2 ;;
      curl) echo "  curl:    from your package manager (apt-get install curl, brew install curl)" >&2 ;;
    esac
  done
  exit 1
fi
if ! docker info >/dev/null 2>&1; then
  echo "deploy-kind.sh: docker is installed but its engine is not reachable (is the daemon running? may this user use it?)" >&2
  exit 1
fi

CLUSTER=${KIND_CLUSTER_NAME:-podsafe}
IMAGE=podsafe-example:dev
LOCAL_PORT=${PODSAFE_LOCAL_PORT:-18080}
BASE_URL="http://127.0.0.1:$LOCAL_PORT"
WORK_DIR=$(mktemp -d)
COOKIES="$WORK_DIR/cookies.txt"
PF_PID=

# Always the kind cluster's context, never whatever the user's kubectl points at.
k() { kubectl --context "kind-$CLUSTER" "$@"; }
step() { printf '\n==> %s\n' "$*"; }

stop_port_forward() {
  if [[ -n $PF_PID ]]; then
    kill "$PF_PID" 2>/dev/null || true
    wait "$PF_PID" 2>/dev/null || true
    PF_PID=
  fi
}
cleanup() {
  stop_port_forward
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

step "cluster kind-$CLUSTER"
# Captured first: `kind ... | grep -q` under pipefail can fail when grep exits early.
clusters=$(kind get clusters 2>/dev/null || true)
if grep -qx "$CLUSTER" <<<"$clusters"; then
  echo "reusing the existing cluster"
else
  kind create cluster --name "$CLUSTER" --config "$SCRIPT_DIR/kind-config.yaml" --wait 120s
fi

step "build $IMAGE"
# The build context is the repository root: the image builds the workspace packages.
(cd "$REPO_ROOT" && docker build -f examples/express-app/Dockerfile -t "$IMAGE" .)

step "load $IMAGE into the cluster"
# kind nodes cannot pull a local image; this copies it onto every node.
kind load docker-image "$IMAGE" --name "$CLUSTER"

step "apply overlays/$BACKEND"
existed=$(k get deployment podsafe-app --ignore-not-found -o name)
k apply -k "$SCRIPT_DIR/overlays/$BACKEND"
if [[ -n $existed ]]; then
  # Same tag, new image: the pod template did not change, so nothing would roll.
  k rollout restart deployment/podsafe-app
fi

step "wait for the rollout"
case "$BACKEND" in
  redis) k rollout status statefulset/redis --timeout=180s ;;
  memcached) k rollout status statefulset/memcached --timeout=180s ;;
  jwt) k rollout status statefulset/redis --timeout=180s ;; # the revocation store
esac
k rollout status deployment/podsafe-app --timeout=300s
k get pods -o wide

# port-forward to a Service picks ONE pod and sticks to it (it is not load
# balancing); after the kill it is restarted, which makes it pick a surviving pod.
# That is the property under test: a request with the same cookie, served by a
# different pod, must find the session (in the store, or in the signed cookie).
start_port_forward() {
  # kubectl itself, not the k function: a backgrounded function is a subshell, and
  # killing that would leave kubectl running and the port taken.
  kubectl --context "kind-$CLUSTER" port-forward svc/podsafe-app "$LOCAL_PORT:80" >"$WORK_DIR/port-forward.log" 2>&1 &
  PF_PID=$!
  local _
  for _ in {1..60}; do
    if curl -fsS -o /dev/null "$BASE_URL/readyz" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "port-forward to svc/podsafe-app did not come up:" >&2
  cat "$WORK_DIR/port-forward.log" >&2
  return 1
}

api() {
  local method=$1 path=$2
  shift 2
  curl -fsS -b "$COOKIES" -c "$COOKIES" -X "$method" -H 'content-type: application/json' "$@" "$BASE_URL$path"
}

# Values of flat JSON fields, without needing jq on the host.
json_field() {
  sed -nE "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"?([^\",}]*)\"?.*/\\1/p" <<<"$2" | head -n 1
}

fail() {
  printf '\nFAIL: %s\n' "$*" >&2
  exit 1
}

step "smoke test: a session survives the death of its pod (backend: $BACKEND)"
start_port_forward

login=$(api POST /api/login --data '{"user":"alice"}') || fail "POST /api/login failed"
echo "POST /api/login      -> $login"
increment=$(api POST /api/increment) || fail "POST /api/increment failed"
echo "POST /api/increment  -> $increment"
victim=$(json_field pod "$increment")
[[ $(json_field counter "$increment") == 1 ]] || fail "expected counter 1 after the first increment, got: $increment"
[[ -n $victim ]] || fail "the increment response does not name the pod that served it: $increment"

echo "killing $victim (the pod that holds the connection and served the increment)"
stop_port_forward
# Forced, like a crash or a lost node: no graceful drain helps the session here.
k delete pod "$victim" --grace-period=0 --force --wait=false
k wait --for=delete "pod/$victim" --timeout=60s >/dev/null 2>&1 || true
start_port_forward

session=$(api GET /api/session) || fail "GET /api/session failed after $victim was killed"
echo "GET  /api/session    -> $session"
survivor=$(json_field pod "$session")

grep -q '"alice"' <<<"$session" || fail "user alice is no longer logged in after $victim died: $session"
[[ $(json_field counter "$session") == 1 ]] || fail "the counter did not survive $victim: $session"
[[ -n $survivor && $survivor != "$victim" ]] || fail "expected another pod to answer, got '${survivor:-none}'"

printf '\nPASS: alice is still logged in with counter 1, served by %s after %s was killed (backend: %s)\n' \
  "$survivor" "$victim" "$BACKEND"
