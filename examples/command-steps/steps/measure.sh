#!/bin/sh
# The input document is also in the file named by WORKFLOW_INPUT; its "item" is this attempt's word.
word=$(sed -n 's/.*"item":"\([^"]*\)".*/\1/p' "$WORKFLOW_INPUT")
echo "measuring $word" >&2
echo "$word" > "$WORKFLOW_ARTIFACTS/word.txt"
printf '{"word": "%s", "length": %d}\n' "$word" "${#word}"
