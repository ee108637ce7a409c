// Runs an exported gogan generator with ONNX Runtime for Node, for the Go tests.
// Usage: node run_ort.js ORT_PACKAGE_DIR MODEL N NZ Z_FILE CLASS_FILE|- OUT_FILE
// Z_FILE holds N·NZ float32 and CLASS_FILE N int64, little-endian; OUT_FILE gets the image
// tensor as float32, and stdout its dims as JSON.
'use strict';
const fs = require('fs');
const [ortDir, model, n, nz, zFile, classFile, outFile] = process.argv.slice(2);
const ort = require(ortDir);

// A copy aligns the bytes, which a Buffer from the pool need not be.
const typed = (Type, file) => new Type(Uint8Array.from(fs.readFileSync(file)).buffer);

(async () => {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = { z: new ort.Tensor('float32', typed(Float32Array, zFile), [Number(n), Number(nz), 1, 1]) };
  if (classFile !== '-') {
    feeds.class = new ort.Tensor('int64', typed(BigInt64Array, classFile), [Number(n)]);
  }
  const { image } = await session.run(feeds);
  fs.writeFileSync(outFile, Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength));
  console.log(JSON.stringify(image.dims));
})().catch((e) => { console.error(String(e && e.message || e)); process.exit(1); });
