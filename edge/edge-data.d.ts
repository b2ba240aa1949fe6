// Type of the generated module that scripts/build-edge-data.ts writes to
// .cache/edge-data/semantic-data.js, declared here so type-checking works before it exists.
declare module '*/edge-data/semantic-data.js' {
  /** Base64 of the asset described in src/cache/semantic/edge-data.ts. */
  const base64: string;
  export default base64;
}
