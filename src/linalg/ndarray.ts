/**
 * The array vocabulary shared by models and the artifact payload: a dtype name, the typed array that
 * holds it, and a named n-dimensional array (row-major). Lives at the bottom so that the artifact
 * container can describe arrays without knowing anything about models.
 */
export type Dtype = 'uint8' | 'int32' | 'uint32' | 'int64' | 'float32' | 'float64';
export type TypedArray = Uint8Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;

export interface NdArray {
  dtype: Dtype;
  shape: number[];
  data: TypedArray;
}

/** Hyper-parameters and other plain JSON scalars, as models record them and artifacts carry them. */
export type Params = Record<string, number | string | boolean | null>;
