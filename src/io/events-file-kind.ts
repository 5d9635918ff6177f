// Which files hold many events rather than one, told apart one way for every reader: HDF5 by its
// signature or its name, npz by its name. openEventFile opens them; readEventFile, which reads one
// event, names them in its refusal.

import { startsAsHdf5 } from "./hdf5-signature.js";

export type EventsFileKind = "hdf5" | "npz";

/** The kind of a file of events, from its first bytes (`head`, at least 8) and its path; undefined for
 *  anything else (one event's safetensors or npy, or a folder). */
export function eventsFileKind(head: Uint8Array, path: string): EventsFileKind | undefined {
  if (startsAsHdf5(head) || /\.(h5|hdf5)$/i.test(path)) return "hdf5";
  if (/\.npz$/i.test(path)) return "npz";
  return undefined;
}
