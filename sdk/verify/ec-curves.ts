/** NIST prime curves [FIPS 186-4 App. D.1.2 / SEC 2 §2.4–2.6]; a = p − 3 for all three. */
export interface Curve {
  readonly name: 'P-256' | 'P-384' | 'P-521';
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  readonly bits: number;
}

function curve(name: Curve['name'], bits: number, p: string, n: string, generator: string): Curve {
  const half = (generator.length - 2) / 2;
  const P = BigInt(`0x${p}`);
  return {
    name, bits, p: P, a: P - 3n, n: BigInt(`0x${n}`),
    gx: BigInt(`0x${generator.slice(2, 2 + half)}`), gy: BigInt(`0x${generator.slice(2 + half)}`),
  };
}

export const CURVES: Readonly<Record<Curve['name'], Curve>> = {
  'P-256': curve('P-256', 256,
    'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff',
    'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
  'P-384': curve('P-384', 384,
    'fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff',
    'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    '04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f'),
  'P-521': curve('P-521', 521,
    '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    '0400c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650'),
};
