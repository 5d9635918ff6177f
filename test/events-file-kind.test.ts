// Files of many events are told apart one way for every reader (src/io/events-file-kind.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventsFileKind } from "../src/io/events-file-kind.js";
import { HDF5_SIGNATURE } from "../src/io/hdf5-signature.js";

test("files of events: HDF5 by its signature or its name, npz by its name, anything else is not one", () => {
  const hdf5Head = Uint8Array.from(HDF5_SIGNATURE), zipHead = Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0), other = new Uint8Array(8);
  assert.equal(eventsFileKind(hdf5Head, "events.dat"), "hdf5");
  assert.equal(eventsFileKind(other, "events.H5"), "hdf5");
  assert.equal(eventsFileKind(other, "events.hdf5"), "hdf5");
  assert.equal(eventsFileKind(zipHead, "events.NPZ"), "npz");
  assert.equal(eventsFileKind(zipHead, "event.safetensors"), undefined);
  assert.equal(eventsFileKind(other, "image.npy"), undefined);
  assert.equal(eventsFileKind(Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0, 0, 0, 0), "event.safetensors"), undefined);
});
