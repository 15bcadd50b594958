#!/bin/bash
# Guest script for ../shared/realkernel/vm.sh run: the real-kernel checks of
# the SG_IO data path (issue 18). From the project root:
#   ../shared/realkernel/vm.sh run scripts/realkernel-check.sh 1500
# Writes $OUT/check.log and $OUT/summary.txt (one PASS/FAIL line per step,
# plus timing lines); exits with the number of failed steps. No GODEBUG is
# set: Go's preemption signals are left on, as on any host.
OUT=${OUT:-/mnt/out}; mkdir -p "$OUT"
LOG=$OUT/check.log; SUM=$OUT/summary.txt; : > "$SUM"
FAILS=0
now() { cut -d" " -f1 /proc/uptime; }
step() {
	local name=$1 to=$2 cmd=$3 rc
	printf '\n=== %s\n$ %s\n' "$name" "$cmd" >> "$LOG"
	timeout -k 5 "$to" bash -c "$cmd" >> "$LOG" 2>&1
	rc=$?
	echo "# exit status $rc" >> "$LOG"
	if [ "$rc" = 0 ]; then r=PASS; else r="FAIL($rc)"; FAILS=$((FAILS + 1)); fi
	printf '%-9s %s\n' "$r" "$name" | tee -a "$SUM"
	return "$rc"
}
note() { echo "$*" | tee -a "$SUM" >> "$LOG"; }

DEVS=$(tapectl devices 2>/dev/null); echo "$DEVS" >> "$LOG"
CH=$(echo "$DEVS" | awk '$2=="changer" {print $7; exit}')
sg() { echo "$DEVS" | awk -v s="$1" '$6==s {print $7}'; }
nst() { echo "$DEVS" | awk -v s="$1" '$6==s {print $8}'; }
SG0=$(sg XYZZY_A1); SG1=$(sg XYZZY_A2); SG2=$(sg XYZZY_A3)
NST0=$(nst XYZZY_A1); NST1=$(nst XYZZY_A2)
note "map: changer=$CH drives=$SG0,$SG1,$SG2 st=$NST0,$NST1"
C="-changer sg:$CH"

# tapetest on every drive (drive 2 is LTO-6: an LTO-6 cartridge).
for d in 0 1 2; do
	slot=$((d + 1)); [ $d = 2 ] && slot=7
	step "load-$slot-$d" 120 "tapectl $C load $slot $d"
	step "tapetest-drive$d" 900 "tapectl $C test -overwrite-cartridge $d"
	grep -E '^(FAIL|fail)|FAIL ' "$LOG" | tail -5 > /dev/null
	step "unload-$d" 120 "tapectl $C unload $d"
done
step changertest 900 "tapectl test $C -move-cartridges"

# 10 x 30 MB through tapectl write, each read back by dd (st) and tapectl read;
# the position after each must be the blocks written plus one filemark further.
step load-3-0 120 "tapectl $C load 3 0"
prev=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	head -c 30000000 /dev/urandom > /tmp/d.bin
	out=$(tapectl -f "$SG0" write < /tmp/d.bin 2>&1); rc=$?
	echo "$out" >> "$LOG"
	blocks=$(echo "$out" | sed -n 's/.* in \([0-9]*\) blocks.*/\1/p')
	pos=$(tapectl -f "$SG0" status -json | sed -n 's/.*"block": *\([0-9]*\).*/\1/p')
	want=$((prev + blocks + 1))
	if [ "$rc" = 0 ] && [ -n "$blocks" ] && [ "$pos" = "$want" ]; then r=PASS; else r=FAIL; FAILS=$((FAILS + 1)); fi
	printf '%-9s write-%d: %s blocks, position %s, want %s\n' "$r" "$i" "$blocks" "$pos" "$want" | tee -a "$SUM"
	prev=$pos
	step "dd-readback-$i" 300 "mt -f $NST0 rewind && mt -f $NST0 fsf $((i - 1)) && dd if=$NST0 bs=256k of=/tmp/b.bin 2>&1 | tail -3 && cmp /tmp/d.bin /tmp/b.bin"
	step "tapectl-read-$i" 300 "tapectl -f $SG0 read $i | cmp - /tmp/d.bin"
done
step unload-3 120 "tapectl $C unload 0"

# label -> archive -> scan -> restore
mkdir -p /tmp/arch /tmp/rest
for f in a b c; do head -c $((RANDOM * 200 + 1)) /dev/urandom > /tmp/arch/$f.dat; done
head -c 7000000 /dev/urandom > /tmp/arch/big.dat
step load-4-0 120 "tapectl $C load 4 0"
step label 120 "tapectl $C label -force 0 E01004L8"
step archive 300 "cd /tmp/arch && tapectl $C archive 0 a.dat b.dat c.dat big.dat"
step scan 300 "tapectl $C scan 0"
step restore 300 "cd /tmp/rest && for i in 1 2 3 4; do tapectl $C restore 0 \$i || exit 1; done && for f in a b c big; do cmp /tmp/arch/\$f.dat /tmp/rest/\$f.dat || exit 1; done"
step unload-4 120 "tapectl $C unload 0"

# Signals from outside as well: SIGURG flood at tapectl while it writes and reads.
step load-5-1 120 "tapectl $C load 5 1"
head -c 30000000 /dev/urandom > /tmp/s.bin
step signal-write 300 "tapectl -f $SG1 write < /tmp/s.bin & p=\$!; while kill -URG \$p 2>/dev/null; do :; done; wait \$p"
step signal-read 300 "tapectl -f $SG1 read 1 > /tmp/s2.bin & p=\$!; while kill -URG \$p 2>/dev/null; do :; done; wait \$p && cmp /tmp/s.bin /tmp/s2.bin"
step unload-5 120 "tapectl $C unload 1"

# Speed against dd through st, same drive, same data, alternating. Each
# side is timed with the positioning it needs: dd after mt (rewind, fsf or
# eod), tapectl with its own start-up, status and locate. With RK_EXTRA
# holding sgread (scripts/sgread.c, built with gcc -static), a C loop of
# SG_IO READs gives the floor of the sg path as well.
head -c 50000000 /dev/urandom > /tmp/p.bin
step load-6-1 120 "tapectl $C load 6 1"
mt -f "$NST1" rewind
f=0
for round in 1 2 3 4; do
	t0=$(now); mt -f "$NST1" eod; dd if=/tmp/p.bin of="$NST1" bs=256k 2>/dev/null; t1=$(now); f=$((f + 1)); ddf=$f
	t2=$(now); tapectl -f "$SG1" write < /tmp/p.bin > /dev/null; t3=$(now); f=$((f + 1)); tkf=$f
	t4=$(now); tapectl -f "$SG1" read $ddf > /dev/null; t5=$(now)
	t6=$(now); mt -f "$NST1" rewind; mt -f "$NST1" fsf $((tkf - 1)); dd if="$NST1" bs=256k of=/dev/null 2>/dev/null; t7=$(now)
	awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" -v g="$t5" -v h="$t6" -v i="$t7" -v r="$round" 'BEGIN{
		printf "speed round %d: write dd %.2fs tapectl %.2fs (tapectl/dd rate %.2f); read dd %.2fs tapectl %.2fs (rate %.2f)\n",
		r, b-a, d-c, (b-a)/(d-c), i-h, g-e, (i-h)/(g-e) }' | tee -a "$SUM"
	if command -v sgread > /dev/null; then
		mt -f "$NST1" rewind; mt -f "$NST1" fsf $((tkf - 1)); sgread "$SG1" 262144 | tee -a "$SUM"
	fi
done
step unload-6 120 "tapectl $C unload 1"

printf '\n%d failed\n' "$FAILS" | tee -a "$SUM"
exit "$FAILS"
