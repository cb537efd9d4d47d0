// Runs one function through @vercel/fun (an independent Lambda Runtime API) for the Lambda runtime
// tests: the function's folder and settings come as JSON in argv[2]; each line on stdin is an event
// to invoke it with, and each result is a line on stdout ({"StatusCode", "FunctionError", "Payload",
// "ms"}) after the marker @@fun-host@@: the bootstrap shares this stdout (fun lets it inherit it), so a
// line of its own may stand before the marker. fun keeps the bootstrap's process between invocations (frozen with SIGSTOP, as Lambda
// freezes it), so the lines after the first reach a warm worker. stdin closing ends it.
// fun comes from tools/lambda-fixture (the version the fixture pins), or FUN_MODULE.
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const funPath = process.env.FUN_MODULE || join(here, '../../../tools/lambda-fixture/node_modules/@vercel/fun/dist/src/index.js');
const loaded = await import(pathToFileURL(funPath).href);
const fun = loaded.default ?? loaded;
const settings = JSON.parse(process.argv[2]);
const fn = await fun.createFunction({
  FunctionName: settings.FunctionName,
  Code: { Directory: settings.Directory },
  Handler: 'bootstrap',
  Runtime: 'provided',
  MemorySize: settings.MemorySize ?? 512,
  Timeout: settings.Timeout ?? 60,
  Region: settings.Region ?? 'us-east-1',
  AccessKeyId: process.env.AWS_ACCESS_KEY_ID,
  SecretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  Environment: { Variables: settings.Environment ?? {} },
});
const say = (value) => process.stdout.write(`@@fun-host@@${JSON.stringify(value)}\n`);
say({ ready: true });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const started = Date.now();
  const result = await fn.invoke({ InvocationType: 'RequestResponse', Payload: line });
  say({ StatusCode: result.StatusCode, FunctionError: result.FunctionError ?? null, Payload: String(result.Payload), ms: Date.now() - started });
}
await fn.destroy();
