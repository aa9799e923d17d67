#!/usr/bin/env bash
# Builds the Dockerfile and checks the image it makes: migrate, serve and worker against a real PostgreSQL,
# /health and /ready, the process not root and unable to write its code, and SIGTERM ending both with exit 0.
#
# Not part of `npm test` or .ci/run: it needs a Docker daemon, which the CI machine does not run.
#   test/docker/check-image.sh                  # with the official node:24-bookworm-slim base
#   STANDIN_BASE=1 test/docker/check-image.sh   # where Docker Hub cannot be reached (this project's machines):
#                                               # a stand-in base is made first from Debian's packages
#                                               # (debootstrap) and the Node 24 that `npm install` put in
#                                               # node_modules, laid out as the official image lays it out
# DATABASE_URL names a server the containers reach over the host's network (default: the machine's PostgreSQL);
# a database named paypilot_image_check is created on it and dropped afterwards.
set -euo pipefail
export PGOPTIONS='-c client_min_messages=warning'
cd "$(dirname "$0")/../.."

ADMIN_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_URL=${ADMIN_URL%/*}/paypilot_image_check
PORT=${CHECK_PORT:-4471}
IMAGE=paypilot:image-check
BASE=node:24-bookworm-slim
work=$(mktemp -d)
cleanup() {
  docker rm -f pp-check-api pp-check-worker >/dev/null 2>&1 || true
  psql "$ADMIN_URL" -qc 'drop database if exists paypilot_image_check' >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [[ ${STANDIN_BASE:-} == 1 ]]; then
  BASE=paypilot-standin/node:24-bookworm-slim
  root=$work/rootfs
  echo "== stand-in base image from Debian bookworm and node_modules' Node $(node_modules/.bin/node --version)"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
  install -m 0755 node_modules/.bin/node "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -r "$(npm root -g)/npm" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" /bin/sh -c 'groupadd -g 1000 node && useradd -u 1000 -g node -s /bin/sh -m node'
  env=(-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  # A machine whose egress goes through an inspecting proxy trusts its CA; the image build must too.
  if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]]; then
    cp "$NODE_EXTRA_CA_CERTS" "$root/usr/local/share/extra-ca.crt"
    env+=(-c 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/extra-ca.crt')
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import "${env[@]}" -c 'CMD ["node"]' - "$BASE" >/dev/null
fi

echo "== docker build (base $BASE)"
# A clean copy of what is committed, so local files never reach the build context.
git archive HEAD | tar -x -C "$work" --exclude=rootfs
DOCKER_BUILDKIT=0 docker build -q --network host --build-arg "NODE_IMAGE=$BASE" -t "$IMAGE" "$work" >/dev/null
docker image ls "$IMAGE" --format 'image size: {{.Size}}'

psql "$ADMIN_URL" -qc 'drop database if exists paypilot_image_check' -c 'create database paypilot_image_check' >/dev/null
key=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")
env=(--network host -e "DATABASE_URL=$DB_URL" -e "PAYPILOT_MASTER_KEY=$key" -e "PUBLIC_BASE_URL=http://127.0.0.1:$PORT")

fail() { echo "FAIL: $*"; exit 1; }
status() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1" || true; }

echo "== migrate, serve, worker"
docker run --rm "${env[@]}" "$IMAGE" migrate | grep -q 'migrations applied' || fail 'migrate'
docker run -d --name pp-check-api "${env[@]}" -e "PORT=$PORT" -e HOST=127.0.0.1 "$IMAGE" >/dev/null
for _ in $(seq 60); do [[ $(status /health) == 200 ]] && break; sleep 1; done
[[ $(status /health) == 200 ]] || fail '/health never answered 200'
[[ $(status /ready) == 503 ]] || fail '/ready should answer 503 before any worker has beaten'
docker run -d --name pp-check-worker "${env[@]}" "$IMAGE" worker >/dev/null
for _ in $(seq 60); do [[ $(status /ready) == 200 ]] && break; sleep 1; done
[[ $(status /ready) == 200 ]] || fail "/ready never answered 200: $(curl -s "http://127.0.0.1:$PORT/ready")"
[[ $(status /console/) == 200 ]] || fail 'the console page is not served'
[[ $(docker exec pp-check-api id -u) == 1000 ]] || fail 'the server does not run as uid 1000'
docker exec pp-check-api sh -c 'touch /app/src/x' 2>/dev/null && fail 'the process can write its own code'
docker exec pp-check-api sh -c 'touch /var/lib/paypilot/x' || fail 'the data directory is not writable'
echo "   /health 200, /ready 503 then 200 with a worker, console served, uid 1000, code read-only"

echo "== SIGTERM"
docker stop -t 30 pp-check-api pp-check-worker >/dev/null
for name in pp-check-api pp-check-worker; do
  code=$(docker inspect "$name" --format '{{.State.ExitCode}}')
  [[ $code == 0 ]] || fail "$name exited with $code after SIGTERM"
  docker logs "$name" 2>&1 | grep -q '^stopped' || fail "$name did not say it stopped"
done
echo "   both stopped with exit 0"
echo "image check passed"
