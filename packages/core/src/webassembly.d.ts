// The slice of the WebAssembly JS API that core uses. Node provides WebAssembly at run time,
// but @types/node 20 does not declare it and core compiles without the DOM library.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, unknown>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
