param($Context)
# One attempt per image: scale it to TARGET_WIDTH, keeping its aspect ratio.
$image = $Context.item
$width = [int]$Context.env.TARGET_WIDTH
$height = [math]::Round($image.height * $width / $image.width)
Write-Information "Resized $($image.name) to ${width}x$height"
@{ name = $image.name; width = $width; height = $height; saved = $image.width * $image.height - $width * $height }
