#!/bin/sh
# Runs in the container: keeps the input document as an artifact, logs to stderr and prints its
# size and SHA-256 as the step's JSON output.
set -e
cp "$WORKFLOW_INPUT" "$WORKFLOW_ARTIFACTS/input.json"
bytes=$(wc -c < "$WORKFLOW_INPUT")
echo "checksumming $bytes bytes in $(hostname)" >&2
sum=$(sha256sum "$WORKFLOW_INPUT" | cut -d' ' -f1)
printf '{"bytes": %s, "sha256": "%s"}\n' "$bytes" "$sum"
