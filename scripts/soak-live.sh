#!/usr/bin/env bash
# The 24-hour soak in real time, for operators: a real `npm start` process (the built bundle with npm start's node
# flags) on its own SQLite file trades SYMBOLS live on KLINE_INTERVAL through the scheduler for DURATION seconds.
# Every minute it records the process's RSS and the cycle counters from /metrics into $OUT/samples.csv; at the end
# it prints the verdict and exits 1 if any cycle failed or RSS grew by 10 % or more after the warm-up (the first
# fifth of the run). The accelerated version over recorded candles is `node --expose-gc --import tsx scripts/soak.ts`.
#
#   scripts/soak-live.sh                                   # 24 h, 20 Binance symbols, 1m, PROTOCOL=brain
#   DURATION=3600 SYMBOLS=BTC,ETH scripts/soak-live.sh     # an hour, two symbols
#   MARKET_SOURCE=bybit OUT=/var/tmp/soak scripts/soak-live.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-86400}"
SYMBOLS="${SYMBOLS:-BTC,ETH,SOL,BNB,XRP,ADA,DOGE,DOT,LTC,LINK,AVAX,TRX,ATOM,UNI,XLM,BCH,ETC,FIL,NEAR,APT}"
PORT="${PORT:-18765}"
OUT="${OUT:-$(mktemp -d -t conclave-soak-live-XXXXXX)}"
[[ "$DURATION" =~ ^[0-9]+$ ]] && (( DURATION >= 120 )) || { echo "DURATION: expected whole seconds >= 120, got '$DURATION'" >&2; exit 2; }
mkdir -p "$OUT"
base="http://127.0.0.1:$PORT"

node scripts/build.mjs >/dev/null
flags=$(node -e "const s=require('./package.json').scripts.start; const m=s.match(/node ((?:--\S+ )*)dist\/main\.js/); process.stdout.write(m ? m[1] : '')")
# shellcheck disable=SC2086
env HOST=127.0.0.1 PORT="$PORT" DATABASE_URL="$OUT/soak.db" MODEL_PATH="$OUT/model.json" REPORTS_DIR="$OUT/reports" \
  DATA_DIR="$OUT/data" KLINE_INTERVAL="${KLINE_INTERVAL:-1m}" PROTOCOL="${PROTOCOL:-brain}" LOG_LEVEL="${LOG_LEVEL:-warn}" \
  node $flags dist/main.js >"$OUT/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "$base/health" >/dev/null || { echo "server did not come up; see $OUT/server.log" >&2; exit 1; }
IFS=',' read -r -a list <<<"$SYMBOLS"
for s in "${list[@]}"; do
  curl -fsS -X POST "$base/api/symbols" -H 'content-type: application/json' -d "{\"symbol\":\"$s\"}" >/dev/null \
    || echo "could not add $s (skipped)" >&2
done

counter() { # counter <result>: conclave_cycles_total{...result="<result>"...} summed
  curl -fsS "$base/metrics" | awk -v r="result=\"$1\"" 'index($0, "conclave_cycles_total{") == 1 && index($0, r) { s += $NF } END { print s + 0 }'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

echo "t_s,rss_kib,cycles_ok,cycles_error" >"$OUT/samples.csv"
start=$(date +%s)
warm_at=$(( DURATION / 5 ))
warm_rss=0
max_rss=0
while (( $(date +%s) - start < DURATION )); do
  sleep 60
  kill -0 "$pid" 2>/dev/null || { echo "server exited early; see $OUT/server.log" >&2; exit 1; }
  t=$(( $(date +%s) - start ))
  rss=$(rss_kib)
  echo "$t,$rss,$(counter ok),$(counter error)" >>"$OUT/samples.csv"
  if (( t >= warm_at )); then
    (( warm_rss == 0 )) && warm_rss=$rss
    (( rss > max_rss )) && max_rss=$rss
  fi
done

ok=$(counter ok)
errors=$(counter error)
growth=$(awk -v w="$warm_rss" -v m="$max_rss" 'BEGIN { printf "%.1f", w > 0 ? (m - w) * 100 / w : 0 }')
echo "soak-live: ${DURATION}s, ${#list[@]} symbols: $ok cycles ok, $errors failed; RSS after warm-up $((warm_rss / 1024)) MiB, max $((max_rss / 1024)) MiB (+$growth %); samples in $OUT/samples.csv"
awk -v g="$growth" -v e="$errors" 'BEGIN { exit (e > 0 || g >= 10) ? 1 : 0 }'
