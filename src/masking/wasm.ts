/** The part of the WebAssembly API used here (Node has it; the TypeScript libraries this project uses do not type it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
}

/**
 * Instantiates a module that scripts/build-wasm.mjs built from a `.wat` file. `Exports` are its functions as that file
 * declares them; every module here exports its memory.
 */
export function instantiate<Exports>(base64: string): Exports & { memory: { buffer: ArrayBuffer } } {
  const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  return new Instance(new Module(Buffer.from(base64, 'base64'))).exports as Exports & {
    memory: { buffer: ArrayBuffer };
  };
}
