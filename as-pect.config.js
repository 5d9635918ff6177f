// as-pect runs the AssemblyScript unit tests in assembly/__tests__ (kernels tested from inside
// AssemblyScript, without the TypeScript layer).
export default {
  entries: ["assembly/__tests__/**/*.spec.ts"],
  include: ["assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
