#!/bin/bash
# Guest script for ../shared/realkernel/vm.sh run: the example HSM on
# mhvtl's library through -config (the SMC changer and the SSC drives over
# SG_IO), walked through by scripts/hsmwalk. From the project root:
#   mkdir -p /tmp/rkextra
#   CGO_ENABLED=0 go build -o /tmp/rkextra/hsm ./examples/hsm
#   CGO_ENABLED=0 go build -o /tmp/rkextra/hsmwalk ./scripts/hsmwalk
#   RK_EXTRA=/tmp/rkextra ../shared/realkernel/vm.sh run scripts/realkernel-hsm.sh 900
# Writes $OUT/client.txt, hsm.out and hsm.log (DEBUG: every SG_IO
# command); exits with hsmwalk's status.
OUT=${OUT:-/mnt/out}; mkdir -p "$OUT"
# The guest's loopback is down at boot.
busybox ip link set lo up || ip link set lo up
export TAPEKIT_HSM_TOKEN=vm-token-0123456789abcdef
tapectl devices | tee "$OUT/devices.txt"
# Drives d0 and d1 are the library's first two data transfer elements
# (the LTO-8 drives), found by the serial numbers the changer reports.
cat > /tmp/lib.json <<'JSON'
{
  "host": "vm",
  "library": {"name": "mhvtl", "changer": "sg:/dev/sch0",
              "drives": [{"name": "d0"}, {"name": "d1"}]},
  "pools": [{"name": "tape", "barcodes": ["E01"]}],
  "storage_classes": [{"name": "default", "pools": ["tape"]}],
  "policy": {"archive_min_bytes": 0, "archive_min_files": 0, "archive_max_age": "0s", "dismount_delay": "5s"}
}
JSON
hsm -config /tmp/lib.json -data /tmp/hsmdata -log-level DEBUG > "$OUT/hsm.out" 2> "$OUT/hsm.log" &
PID=$!
hsmwalk 2>&1 | tee "$OUT/client.txt"
RC=${PIPESTATUS[0]}
kill -TERM $PID; wait $PID; echo "hsm exit $?" | tee -a "$OUT/client.txt"
exit "$RC"
