// What the page benchmarks share: the address of a widened default model, the pace control
// at its maximum, and the step counter's advance over a window.
import { Explorer } from "../www/e2e/fixture.mjs";

/** The address's query for these `?set=` overrides. */
export const query = (sets) => "?" + sets.map((s) => `set=${encodeURIComponent(s)}`).join("&");

const names = "abcdefgh";
const modality = (name) => ({ name, dim: 16, informative: 16, signal: 1.0, noise: 1.0 });

/** The default model (16-feature modalities) on 1,800 training samples, so that no run ends
 * inside a measurement, with an evaluation every `every` steps. */
export function wideSets({ every = 100, batch = 64, width = 64, modalities = 2 } = {}) {
  const synthetic = JSON.stringify([...names.slice(0, modalities)].map(modality));
  return [`data.synthetic=${synthetic}`, "data.train_size=1800", "train.epochs=100000", `train.eval_every=${every}`, `train.batch_size=${batch}`, `model.encoder_width=${width}`];
}

/** The pace control at its maximum (as fast as the machine goes), so that it never caps. */
export async function maxSpeed(ui) {
  const pace = ui.page.getByTestId("pace");
  await pace.fill(await pace.getAttribute("max"));
  await pace.dispatchEvent("change");
}

/** Steps per second of a fresh page on the CPU backend with `sets`: the step counter's
 * advance over `windowMs` after 3 s of warm-up at full speed. `dir` is the build to serve
 * (default dist/). */
export async function stepsPerSecond(sets, windowMs, dir = undefined) {
  const ui = await Explorer.open({ webgpu: false, query: query(sets), dir });
  try {
    await ui.waitForAtLeast("eval-counter", 2, 120_000);
    const notice = await ui.text("notice");
    if (/ignored/.test(notice)) throw new Error(`the page refused a setting: ${notice}`);
    await maxSpeed(ui);
    const wait = (ms) => ui.page.evaluate((t) => new Promise((r) => setTimeout(r, t)), ms);
    const read = () => ui.page.evaluate(() => [Number(document.querySelector('[data-testid="step-counter"]').textContent), performance.now()]);
    await wait(3000);
    const [s0, t0] = await read();
    await wait(windowMs);
    const [s1, t1] = await read();
    return (s1 - s0) / ((t1 - t0) / 1000);
  } finally {
    await ui.close();
  }
}
