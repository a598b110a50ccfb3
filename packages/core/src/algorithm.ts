// RandomX variants by their Stratum algorithm names (the `algo` of xmrig's login and jobs).

export const RANDOMX_VARIANTS = ['rx/0', 'rx/wow'] as const;
export type RandomxVariant = (typeof RANDOMX_VARIANTS)[number];

export function isRandomxVariant(name: string): name is RandomxVariant {
  return (RANDOMX_VARIANTS as readonly string[]).includes(name);
}

/** `name` as a variant, or a RangeError that lists the variants there are. */
export function requireRandomxVariant(name: string): RandomxVariant {
  if (!isRandomxVariant(name)) {
    throw new RangeError(`Unknown RandomX variant ${JSON.stringify(name)}; use one of ${RANDOMX_VARIANTS.join(', ')}.`);
  }
  return name;
}
