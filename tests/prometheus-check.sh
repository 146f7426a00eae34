#!/usr/bin/env bash
# Runs every PromQL query of the Grafana dashboards against a real Prometheus (Debian's `prometheus`, 2.42)
# scraping a real node, and fails unless each query returns data.
#
#   tests/prometheus-check.sh            # builds src/Frontends (Release) if hypercache.dll is missing
#
# It starts, on loopback and free ports: one node (appendfsync always), and Prometheus with the project's
# prometheus.yml rewritten to scrape that node every second. It drives RESP and HTTP traffic (hits, misses,
# errors, TTLs) for a few seconds, waits for enough scrapes, then evaluates each dashboard query with
# $instance = .* and $__rate_interval = 30s through the HTTP query API. Everything it starts is stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DLL=$ROOT/src/Frontends/bin/Release/net10.0/hypercache.dll
command -v prometheus >/dev/null || { echo "prometheus-check: prometheus is not installed (apt-get install prometheus)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "prometheus-check: python3 is needed" >&2; exit 2; }
[[ -f $DLL ]] || dotnet build src/Frontends -c Release -v q -nologo >/dev/null

WORK=$(mktemp -d /tmp/hypercache-promcheck.XXXXXX)
NODE_PID="" PROM_PID=""
cleanup() {
  [[ -n $PROM_PID ]] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null || true
  [[ -n $NODE_PID ]] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RESP_PORT=$(free_port) HTTP_PORT=$(free_port) PROM_PORT=$(free_port)

wait_http() { # url what seconds
  local deadline=$((SECONDS + $3))
  until python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null; do
    if ((SECONDS >= deadline)); then echo "prometheus-check: $2 did not come up at $1" >&2; tail -20 "$WORK"/*.out >&2 || true; exit 1; fi
    sleep 0.2
  done
}

dotnet "$DLL" serve --bind 127.0.0.1 --resp-port "$RESP_PORT" --http-port "$HTTP_PORT" --data-dir "$WORK/data" \
  --log-dir "$WORK/logs" --node-id prom-check --appendfsync always >"$WORK/node.out" 2>&1 &
NODE_PID=$!
wait_http "http://127.0.0.1:$HTTP_PORT/ready" "the node" 30

# The project's prometheus.yml, with its job kept and its targets replaced by this node, scraped every second.
python3 - "$ROOT/prometheus.yml" "$WORK/prometheus.yml" "127.0.0.1:$HTTP_PORT" <<'PY'
import re, sys
src, dst, target = sys.argv[1:]
text = open(src).read()
assert "job_name: hypercache" in text, "prometheus.yml must have job_name: hypercache (the dashboards use job=\"hypercache\")"
text = re.sub(r"(scrape|evaluation)_interval: \S+", r"\1_interval: 1s", text)
text = re.sub(r"(- targets:\n)((\s+- .*\n)+)", lambda m: m.group(1) + re.match(r"\s+", m.group(3)).group(0) + "- " + target + "\n", text)
open(dst, "w").write(text)
PY
promtool check config "$WORK/prometheus.yml" >/dev/null
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.out" 2>&1 &
PROM_PID=$!
wait_http "http://127.0.0.1:$PROM_PORT/-/ready" "prometheus" 30

# Traffic for 6 s over RESP and HTTP; meanwhile Prometheus scrapes. Then every dashboard query must return data.
python3 - "$RESP_PORT" "$HTTP_PORT" "$PROM_PORT" "$ROOT/grafana/dashboards" <<'PY'
import glob, json, socket, sys, time, urllib.parse, urllib.request
resp_port, http_port, prom_port, dashboards = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def resp(sock, *args):
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args)))
    return sock.recv(65536)

def http(method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{http_port}{path}", data=body and json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(req, timeout=5).status
    except urllib.error.HTTPError as e:
        return e.code

sock = socket.create_connection(("127.0.0.1", resp_port))
end, i = time.time() + 6, 0
while time.time() < end:
    resp(sock, "SET", f"k{i % 50}", "v" * 100, "EX", "600")
    resp(sock, "GET", f"k{i % 50}")
    resp(sock, "GET", f"missing{i}")
    resp(sock, "SET", "text", "abc")
    resp(sock, "INCR", "text")  # an error reply, for the failed-commands panel
    http("PUT", f"/api/cache/h{i % 20}", {"value": "v", "ttl_hours": 1})
    http("GET", f"/api/cache/h{i % 20}")
    http("GET", f"/api/cache/absent{i}")
    i += 1
    time.sleep(0.02)

def query(expr):
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    return json.load(urllib.request.urlopen(url, timeout=10))

def scrapes():
    result = query('count_over_time(up{job="hypercache"}[1m])')["data"]["result"]
    return float(result[0]["value"][1]) if result else 0

deadline = time.time() + 20
while scrapes() < 5 and time.time() < deadline:
    time.sleep(0.5)
time.sleep(1.5)  # one more scrape after the traffic stopped

failures, count = [], 0
for file in sorted(glob.glob(f"{dashboards}/*.json")):
    board = json.load(open(file))
    # Template variables: label_values(metric, label) must find the label on the metric.
    for var in board.get("templating", {}).get("list", []):
        definition = var.get("definition", "")
        if not definition.startswith("label_values("):
            continue
        metric, label = [p.strip() for p in definition[len("label_values("):-1].split(",")]
        count += 1
        series = query(metric)["data"]["result"]
        where = f'{file.split("/")[-1]} / variable {var["name"]}'
        if not any(label in s["metric"] for s in series):
            failures.append(f"{where}: no {label} label on {metric}")
        else:
            print(f"ok   {where}: {definition}")
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            if (target.get("datasource") or panel["datasource"])["type"] != "prometheus":
                continue
            expr = target["expr"].replace("$instance", ".*").replace("$__rate_interval", "30s").replace("$__interval", "5s")
            count += 1
            reply = query(expr)
            where = f'{file.split("/")[-1]} / {panel["title"]} / {target["refId"]}'
            if reply["status"] != "success" or not reply["data"]["result"]:
                failures.append(f"{where}: no data for {expr} ({reply.get('error', 'empty result')})")
            else:
                print(f"ok   {where}: {len(reply['data']['result'])} series")
for f in failures:
    print("FAIL " + f)
print(f"prometheus-check: {count - len(failures)} of {count} dashboard queries and variables returned data")
sys.exit(1 if failures or count == 0 else 0)
PY
