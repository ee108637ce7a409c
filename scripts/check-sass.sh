#!/usr/bin/env bash
# Checks the machine code embedded beside the PTX (cuda/kernels/NAME.sm_XX.cubin, written by
# go generate ./cuda) with the toolkit's cuobjdump, as CI does (.ci/cuda.sh): every module
# has one cubin per architecture, each a single ELF image of SASS for that architecture with
# no PTX inside, holding exactly the kernels of the module's PTX. Prints one line per cubin.
#
#   scripts/check-sass.sh cuda/kernels
set -uo pipefail
dir=${1:?usage: check-sass.sh KERNELS_DIR}
archs="sm_80 sm_90"
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
for ptx in "$dir"/*.ptx; do
	name=$(basename "$ptx" .ptx)
	want=$(sed -n 's/^\.visible \.entry \([A-Za-z0-9_]*\)(.*/\1/p' "$ptx" | sort)
	for arch in $archs; do
		cubin=$dir/$name.$arch.cubin
		[ -f "$cubin" ] || { fail "$name: no $cubin (go generate ./cuda)"; continue; }
		elves=$(cuobjdump --list-elf "$cubin" 2>&1 | grep -c '^ELF file')
		[ "$elves" = 1 ] || fail "$cubin: cuobjdump lists $elves ELF images, want 1"
		sm=$(cuobjdump -elf "$cubin" 2>&1 | sed -n 's/.* sm=\([0-9]*\),.*/\1/p' | head -n 1)
		[ "sm_$sm" = "$arch" ] || fail "$cubin: machine code for sm_${sm:-?}, want $arch"
		cuobjdump --list-ptx "$cubin" 2>&1 | grep -q '^PTX file' && fail "$cubin holds PTX"
		usage=$(cuobjdump --dump-resource-usage "$cubin" 2>&1)
		got=$(sed -n 's/^ *Function \([A-Za-z0-9_]*\):$/\1/p' <<<"$usage" | sort)
		[ "$got" = "$want" ] || fail "$cubin: kernels $(echo $got) differ from the PTX's $(echo $want)"
		awk -v c="$name.$arch.cubin" -v n="$(echo "$got" | grep -c .)" '
			/REG:/ { for (i = 1; i <= NF; i++) { split($i, kv, ":"); if (kv[1] == "REG" && kv[2] > r) r = kv[2]; if (kv[1] == "LOCAL") l += kv[2] } }
			END { printf "%-26s %2d kernels, at most %3d registers, %d bytes of local memory\n", c, n, r, l }' <<<"$usage"
	done
done
[ $failed = 0 ] && echo "SASS: every module, $(echo $archs), checked by cuobjdump"
exit $failed
