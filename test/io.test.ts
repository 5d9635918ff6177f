// Event files: round trips through every format, an independent reader and writer (h5py, from
// Debian's python3-h5py) for the HDF5 layouts, streaming, and clear errors for broken files.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IGNORE_LABEL, type LabelledEvent } from "../src/data/labelled-event.js";
import { InvalidInputError } from "../src/errors.js";
import { classOf } from "../src/io/pilarnet.js";
import { createEventWriter } from "../src/node/event-writer.js";
import { openEventFile } from "../src/node/open-events.js";
import { simulateEvent } from "../src/sim/index.js";

const dir = mkdtempSync(join(tmpdir(), "sparsessnet-io-"));
const PY = "/usr/bin/python3";

function write(path: string, events: LabelledEvent[], layout?: "pilarnet" | "sparse"): void {
  const w = createEventWriter(path, { layout });
  for (const e of events) w.append(e);
  w.close();
}

/** Rows as sortable strings "coords|feature|label|instance" (layouts may reorder rows). */
function rows(ev: LabelledEvent, withInstances = true): string[] {
  const t = ev.tensor, out: string[] = [];
  for (let r = 0; r < t.coords.length / t.dim; r++) {
    out.push(`${Array.from(t.coords.subarray(r * t.dim, (r + 1) * t.dim)).join(",")}|${t.features[r]}|${ev.labels?.[r]}|${withInstances ? ev.instances?.[r] : ""}`);
  }
  return out.sort();
}

const events3d = [0, 1, 2].map((i) => simulateEvent({ dim: 3, size: 64 }, 5, i));
const events2d = [0, 1].map((i) => simulateEvent({ dim: 2, imageSize: [256, 512], cosmics: [1, 2] }, 5, i));

test("HDF5 PILArNet-M layout: 3D events round-trip (same sites, energies, labels, instances)", () => {
  const p = join(dir, "p.h5");
  write(p, events3d);
  const f = openEventFile(p);
  assert.equal(f.format, "hdf5 pilarnet-m");
  assert.equal(f.count, 3);
  events3d.forEach((e, i) => {
    const back = f.read(i);
    assert.deepEqual(back.tensor.spatialSize, [64, 64, 64]);
    assert.deepEqual(rows(back), rows(e));
  });
  f.close();
});

test("HDF5 sparsessnet layout and npz: 2D and 3D events round-trip bit for bit, in order", () => {
  for (const [name, evs, layout] of [["s2.h5", events2d, undefined], ["s3.h5", events3d, "sparse"], ["e.npz", events3d, undefined], ["e2.npz", events2d, undefined]] as const) {
    const p = join(dir, name);
    write(p, [...evs], layout);
    const f = openEventFile(p);
    assert.equal(f.count, evs.length, name);
    evs.forEach((e, i) => {
      const b = f.read(i);
      assert.deepEqual(b.tensor.coords, e.tensor.coords, name);
      assert.deepEqual(b.tensor.features, e.tensor.features, name);
      assert.deepEqual(b.labels, e.labels, name);
      assert.deepEqual(b.instances, e.instances, name);
      assert.deepEqual(b.tensor.spatialSize, e.tensor.spatialSize, name);
    });
    f.close();
  }
  const s = join(dir, "one.safetensors");
  write(s, [events2d[0]]);
  const back = openEventFile(s).read(0);
  assert.deepEqual(back.tensor.coords, events2d[0].tensor.coords);
  assert.deepEqual(back.labels, events2d[0].labels);
});

test("h5py (an independent reader) sees our PILArNet-M file: vlen float32 point/cluster/cluster_extra with consistent sizes", () => {
  assert.ok(existsSync(PY), "python3 is needed for the h5py cross-check (CI installs python3-h5py)");
  const p = join(dir, "p.h5");
  const out = execFileSync(PY, ["-c", `
import h5py, json, sys
f = h5py.File(sys.argv[1], "r")
res = []
for i in range(f["point"].shape[0]):
    p = f["point"][i].reshape(-1, 8); c = f["cluster"][i].reshape(-1, 6); x = f["cluster_extra"][i].reshape(-1, 6)
    res.append({"dtype": str(f["point"][i].dtype), "n": int(p.shape[0]), "sizes": int(c[:, 0].sum()), "k": int(c.shape[0]), "kx": int(x.shape[0]),
                "energy": float(p[:, 3].astype("float64").sum()), "xyz0": p[0, :3].tolist()})
print(json.dumps(res))
`, p], { encoding: "utf8" });
  const res = JSON.parse(out) as { dtype: string; n: number; sizes: number; k: number; kx: number; energy: number; xyz0: number[] }[];
  assert.equal(res.length, 3);
  res.forEach((r, i) => {
    assert.equal(r.dtype, "float32");
    assert.equal(r.n, events3d[i].labels!.length);
    assert.equal(r.sizes, r.n);
    assert.equal(r.k, r.kx);
    const e = events3d[i].tensor.features.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(r.energy - e) < 1e-3 * Math.max(1, e), `energy ${r.energy} vs ${e}`);
  });
});

test("a PILArNet-M file written by h5py (independent writer) reads with the documented label mapping", () => {
  const p = join(dir, "from-h5py.h5");
  execFileSync(PY, ["-c", `
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "w")
vl = h5py.vlen_dtype(np.float32)
pt = f.create_dataset("point", (2,), dtype=vl); cl = f.create_dataset("cluster", (2,), dtype=vl); cx = f.create_dataset("cluster_extra", (2,), dtype=vl)
# event 0: cluster 0 (low energy, 1 voxel), proton track (2), muon track (1), shower (1), Michel (1), delta (1)
p0 = np.array([[1,1,1,0.1],[2,2,2,5],[3,3,3,6],[4,4,4,2],[5,5,5,1],[6,6,6,3],[7,7,7,0.5]], np.float32)
p0 = np.hstack([p0, np.zeros((7, 4), np.float32)])
c0 = np.array([[1,0,-1,0,4,5],[2,1,0,0,1,4],[1,2,1,0,1,2],[1,3,2,0,0,1],[1,4,3,0,2,1],[1,5,4,0,3,1]], np.float32)
pt[0] = p0.ravel(); cl[0] = c0.ravel(); cx[0] = np.zeros(36, np.float32)
pt[1] = np.zeros(0, np.float32); cl[1] = np.zeros(0, np.float32); cx[1] = np.zeros(0, np.float32)
f.close()
`, p]);
  for (const [lowEnergy, first] of [["shower", 2], ["ignore", IGNORE_LABEL]] as const) {
    const f = openEventFile(p, { lowEnergy });
    assert.equal(f.count, 2);
    const e = f.read(0);
    assert.deepEqual(Array.from(e.labels!), [first, 0, 0, 1, 2, 4, 3]);
    assert.deepEqual(Array.from(e.tensor.coords.subarray(0, 6)), [1, 1, 1, 2, 2, 2]);
    assert.deepEqual(e.tensor.spatialSize, [768, 768, 768]);
    assert.equal(f.read(1).labels!.length, 0);
    f.close();
  }
  assert.equal(classOf(1, 4, "shower"), 0);
  assert.equal(classOf(-1, 5, "shower"), IGNORE_LABEL);
});

test("broken files get errors that name the file and the problem; nothing half-written is left under the final name", () => {
  const p = join(dir, "p.h5");
  const bytes = readFileSync(p);
  for (const cut of [10, 100, Math.floor(bytes.length / 2), bytes.length - 8]) {
    const t = join(dir, `cut-${cut}.h5`);
    writeFileSync(t, bytes.subarray(0, cut));
    assert.throws(() => { const f = openEventFile(t); for (let i = 0; i < f.count; i++) f.read(i); f.close(); }, (e: Error) => e instanceof InvalidInputError && e.message.includes(t), `cut at ${cut}`);
  }
  const wrong = join(dir, "wrong.h5");
  execFileSync(PY, ["-c", `
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "w")
vl = h5py.vlen_dtype(np.float32)
pt = f.create_dataset("point", (1,), dtype=vl); cl = f.create_dataset("cluster", (1,), dtype=vl)
pt[0] = np.zeros(12, np.float32); cl[0] = np.array([1,0,0,0,1,2], np.float32)
`, wrong]);
  assert.throws(() => openEventFile(wrong).read(0), /not a multiple of 8/);
  const missing = join(dir, "missing.h5");
  execFileSync(PY, ["-c", `import h5py, sys; f = h5py.File(sys.argv[1], "w"); f.create_dataset("other", data=[1, 2])`, missing]);
  assert.throws(() => openEventFile(missing), /neither the PILArNet-M layout/);
  const npz = join(dir, "bad.npz");
  writeFileSync(npz, Buffer.from("PK not really"));
  assert.throws(() => openEventFile(npz), /not a readable \.npz/);
  // A writer that is aborted leaves no file under the final name.
  const w = createEventWriter(join(dir, "aborted.h5"));
  w.append(events3d[0]);
  w.abort();
  assert.ok(!existsSync(join(dir, "aborted.h5")) && !existsSync(join(dir, "aborted.h5.tmp")));
});
