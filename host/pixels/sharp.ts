type Sharp = (typeof import('sharp'))['default'];

let loaded: Promise<Sharp> | undefined;

/** sharp, loaded by the first frame that needs it: loading it costs every command a third of a second at start. */
export function loadSharp(): Promise<Sharp> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}
