param($Context)
# The run argument says how many images the batch holds; each gets a made-up size.
$count = if ($Context.input.count) { [int]$Context.input.count } else { 5 }
Write-Verbose "Splitting a batch of $count images"
$images = foreach ($i in 1..$count) {
    @{ name = "image-$i.jpg"; width = 1000 + 250 * $i; height = 750 + 100 * $i }
}
@{ count = $count; images = @($images) }
