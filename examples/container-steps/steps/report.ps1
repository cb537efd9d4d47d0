param($Context)
$checksum = $Context.steps.checksum
Write-Verbose "the container saw $($checksum.bytes) bytes"
"$($checksum.bytes) bytes, sha256 $($checksum.sha256.Substring(0, 12))"
