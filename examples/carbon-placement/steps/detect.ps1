param($Context)
Start-Sleep -Milliseconds 400   # stands for the model's inference on one frame
@{ frame = $Context.item; objects = 3; region = $Context.context.region }
