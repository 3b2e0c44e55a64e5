#!/usr/bin/env node
// The AWS SDK warns on every S3 command under Node 20 that its releases after January 2027 need 22.
// This package's lockfile pins an SDK that runs on 20 and the README states the supported range, so the
// SDK's own switch turns the notice off unless the person set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// `ray-gitops … | head -1`: the reader has gone, so stop quietly, as any Unix tool does.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const { main } = await import("../lib/main.js");
process.exitCode = await main(process.argv.slice(2));
