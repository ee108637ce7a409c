#!/bin/sh
# Measures the ordering table of the README's metrics section: for each image folder given,
# trains a small generator (1000 steps, dcgan28 at --image-size 28, widths 32), writes 1000
# images of its last checkpoint and of its step-$EARLY checkpoint (default 500; at step 100
# the images are still worse than noise), and runs TestFolderTable,
# which scores real held-out images, both generators, blurred real images and noise with the
# folder's labelled and unlabelled extractors, three extractor seeds each.
#
# usage: scripts/folder_eval_table.sh WORKDIR FOLDER...
# e.g.   scripts/folder_eval_table.sh /tmp/evaltable /work/datasets/fm2000-32 /work/datasets/mnist2000-32
set -eu
early=${EARLY:-500}
work=$1
shift
mkdir -p "$work"
go build -o "$work/gan" ./cmd/gan
table=""
for folder in "$@"; do
	name=$(basename "$folder")
	run="$work/$name"
	if [ ! -f "$run/checkpoints/step_1000.safetensors" ]; then
		"$work/gan" train --dataset "$folder" --image-size 28 --ngf 32 --ndf 32 --steps 1000 \
			--checkpoint-every 100 --keep 20 --sample-every 500 --out "$run"
	fi
	for step in 1000 "$early"; do
		if [ ! -d "$work/samples-$name-$step" ]; then
			"$work/gan" generate --checkpoint "$run/checkpoints/step_$step.safetensors" --n 1000 --seed 7 \
				--out-dir "$work/samples-$name-$step"
		fi
	done
	table="$table${table:+;}$folder=$work/samples-$name-1000,$work/samples-$name-$early"
done
GOGAN_CACHE="$work/cache" GOGAN_FOLDER_TABLE="$table" go test ./metrics -run '^TestFolderTable$' -v -timeout 2h
