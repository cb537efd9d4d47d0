#!/bin/sh
# Reads the input document from stdin (ignored here) and prints the output JSON on stdout.
cat > /dev/null
echo "listing words" >&2
echo '{"words": ["alpha", "beta", "gamma"]}'
