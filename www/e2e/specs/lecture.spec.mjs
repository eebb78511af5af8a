// The page as a lecturer uses it (CPU backend): the story card's claim, verdict and "try
// this" buttons; the pace control (a preset's run lasts about 20 s, the pace never changes
// the numbers, a hidden tab pauses the run); charts that fill a projector-sized screen,
// sharp at any pixel ratio, with their own legends and log switches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_TIMEOUT, withExplorer } from "../fixture.mjs";

test("the story card states the claim, judges the run and its try-this button changes the setting", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false }, async (ui) => {
    assert.match(await ui.text("story-claim"), /strong modality on its own/);
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.waitForText("verdict", /^At the end: fused \d+ % on validation \(train \d+ %\) < a's probe \d+ %: reproduced\.$/);
    assert.ok(await ui.page.locator('[data-testid="verdict"].holds').count(), "the verdict is marked as holding");
    assert.equal(await ui.page.getByTestId("story-changed").count(), 0, "the run is the preset's own");
    await ui.page.getByTestId("try-0").click(); // "Train a alone"
    await ui.waitForText("story-changed", /Settings changed from the preset/);
    await ui.page.waitForFunction(() => document.querySelector('[data-testid="knob-modalities-b"]')?.checked === false);
    // The card now judges the try's own expectation, against the preset's run.
    await ui.waitForText("verdict", /trying “Train a alone”: a alone \d+ % [<=>] the preset's fused model \d+ %/, 60_000);
    assert.match(await ui.text("story-changed"), /the preset's own run ended with the fused model at \d+ % validation accuracy/);
    await ui.waitForText("run-status", /^finished$/, 60_000); // the button also plays
    await ui.waitForText("verdict", /^At the end, trying “Train a alone”: a alone \d+ % > the preset's fused model \d+ %: as expected\.$/);
    assert.ok(await ui.page.locator('[data-testid="verdict"].holds').count(), "the try's verdict is marked as holding");
    const aAlone = (await ui.text("summary")).match(/reaches (\d+) %/)[1];
    const joint = (await ui.text("story-changed")).match(/at (\d+) %/)[1];
    assert.ok(Number(aAlone) > Number(joint), `a alone ${aAlone} % above the joint run's ${joint} %`);
    assert.match(await ui.text("verdict"), new RegExp(`a alone ${aAlone} % > the preset's fused model ${joint} %`), "the verdict prints the run's numbers");
    await ui.screenshot("story-card.png");
  });
});

test("choosing a preset is a fresh run that plays, whatever the run's state; the run it leaves is pinned with one click", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    assert.equal(await ui.number("step-counter"), 400);
    // After a finished run: a fresh run of the chosen preset, playing (it used to keep the
    // old curves and say that the run had stopped).
    await ui.page.getByTestId("preset").selectOption("interaction");
    await ui.waitForText("left-run", /^A fresh run of “interaction” started; the previous run, of “imbalance”, stopped at step 400 \(fused model \d+ % on validation\)\./);
    await ui.waitForText("run-status", /^training$/);
    assert.ok((await ui.number("step-counter")) < 400, "from step 0");
    await ui.screenshot("preset-fresh-run.png");
    await ui.page.getByTestId("pin-left-run").click();
    await ui.page.getByTestId("left-run").waitFor({ state: "detached" });
    assert.match(await ui.page.getByTestId("pins").innerText(), /imbalance, \d+ evaluations, fused validation accuracy [\d.]+ % at step 400/);
    // Mid-run: the chosen preset's run starts at step 0 (it used to switch the new methods
    // on inside the running run where data and model were alike: a hybrid run).
    await ui.page.getByTestId("preset").selectOption("gradient-blending");
    await ui.waitForAtLeast("step-counter", 60);
    const before = await ui.number("step-counter");
    await ui.page.getByTestId("preset").selectOption("ogm-ge");
    await ui.page.waitForFunction((b) => Number(document.querySelector('[data-testid="step-counter"]').textContent) < b, before);
    await ui.waitForText("run-status", /^training$/);
    await ui.waitForText("left-run", /the previous run, of “gradient-blending”, stopped at step \d+/);
    assert.equal(await ui.page.getByTestId("story-changed").count(), 0, "the run is the preset's own");
    await ui.page.getByTestId("dismiss-left-run").click();
    await ui.page.getByTestId("left-run").waitFor({ state: "detached" });
    assert.equal(await ui.page.locator('[data-testid="pins"] li').count(), 1, "dismissed: nothing more pinned");
  });
});

test("a fresh mfeat-fou-mor load is the preset's own run (mfeat's ten classes are no change)", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, hash: "v=1&preset=mfeat-fou-mor" }, async (ui) => {
    await ui.page.waitForFunction(() => /fou.s probe/.test(document.querySelector(".story")?.textContent ?? ""), null, { timeout: 60_000 });
    await ui.waitForAtLeast("eval-counter", 2);
    assert.equal(await ui.page.getByTestId("story-changed").count(), 0, "no \"Settings changed from the preset\"");
  });
});

test("a preset's default pace makes its run last about 20 s and the pace throttles it", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, pace: null }, async (ui) => {
    // imbalance: 400 steps, an evaluation every 4, so 101 evaluations at 5.05 a second.
    assert.match(await ui.text("pace-value"), /^5\.05 evaluations\/s · a run ≈ 20 s$/);
    await ui.page.getByTestId("preset").selectOption("interaction");
    // interaction: 960 steps, 16 an epoch, so 61 evaluations at 3.05 a second.
    await ui.waitForText("pace-value", /^3\.05 evaluations\/s · a run ≈ 20 s$/);
    const pace = ui.page.getByTestId("pace");
    await pace.fill("0"); // 10^0 = one evaluation a second
    await pace.dispatchEvent("change");
    await ui.waitForText("pace-value", /^1 evaluations\/s · a run ≈ 61 s$/);
    const before = await ui.waitForAtLeast("eval-counter", 1);
    await ui.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    // At full pace this machine does dozens of evaluations a second; an upper bound only,
    // so a slow machine cannot fail it.
    assert.ok((await ui.number("eval-counter")) <= before + 3, "about one evaluation in a second, not dozens");
  });
});

test("the pace changes how fast the run goes by, never its numbers", { timeout: CPU_TIMEOUT }, async () => {
  const firstEvaluations = async (pace) => {
    let evaluations = null;
    await withExplorer({ webgpu: false, query: "?test-hooks", pace }, async (ui) => {
      await ui.waitForAtLeast("eval-counter", 6, 60_000);
      evaluations = (await ui.evaluations()).slice(0, 6);
    });
    return evaluations;
  };
  const fast = await firstEvaluations("max");
  const slow = await firstEvaluations("8");
  assert.deepEqual(slow.map((e) => e.heads), fast.map((e) => e.heads), "the same losses and accuracies at either pace");
});

test("hiding the tab pauses the run and showing it plays on", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?set=train.epochs=100000&pace=30" }, async (ui) => {
    await ui.waitForAtLeast("eval-counter", 2);
    const setHidden = (hidden) => ui.page.evaluate((h) => {
      Object.defineProperty(document, "hidden", { value: h, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
    await setHidden(true);
    await ui.waitForText("run-status", /^paused$/);
    await setHidden(false);
    await ui.waitForText("run-status", /^training$/);
    // A run paused by hand stays paused through a hide and a show.
    await ui.page.getByTestId("pause").click();
    await ui.waitForText("run-status", /^paused$/);
    await setHidden(true);
    await setHidden(false);
    await ui.frames(20);
    assert.equal(await ui.text("run-status"), "paused");
  });
});

/** How a chart's canvas lies on the screen: its box, whether it is wholly in view, sharp
 * (one canvas pixel per device pixel) and uncovered (`elementFromPoint` at its centre and
 * four inset corners returns it). Runs in the page. */
const lookAtCanvas = (canvas) => {
  const box = canvas.getBoundingClientRect();
  const inset = 6;
  const points = [[box.left + box.width / 2, box.top + box.height / 2], [box.left + inset, box.top + inset], [box.right - inset, box.top + inset], [box.left + inset, box.bottom - inset], [box.right - inset, box.bottom - inset]];
  return {
    chart: canvas.closest("figure").dataset.testid,
    box: [box.left, box.top, box.right, box.bottom].map(Math.round),
    inView: box.left >= 0 && box.top >= 0 && box.right <= innerWidth && box.bottom <= innerHeight,
    sharp: canvas.width === Math.round(canvas.clientWidth * devicePixelRatio) && canvas.height === Math.round(canvas.clientHeight * devicePixelRatio),
    uncovered: points.every(([x, y]) => document.elementFromPoint(x, y) === canvas),
  };
};

/** `lookAtCanvas` for every shown chart, in page order. */
const lookAtCharts = (ui) => ui.page.evaluate(`[...document.querySelectorAll("figure.chart:not([hidden]) canvas")].map(${lookAtCanvas})`);

for (const [width, height, scale] of [[1440, 900, 1], [1280, 720, 1], [1440, 900, 2]]) {
  test(`at ${width}×${height} (pixel ratio ${scale}) every chart is in view, sharp and uncovered`, { timeout: CPU_TIMEOUT }, async () => {
    await withExplorer({ webgpu: false, viewport: { width, height }, scale }, async (ui) => {
      await ui.waitForText("run-status", /^finished$/, 60_000);
      await ui.frames(10);
      const charts = await lookAtCharts(ui);
      await ui.screenshot(`charts-${width}x${height}@${scale}.png`);
      assert.deepEqual(charts.map((c) => c.chart).sort(), ["chart-accuracy", "chart-contribution", "chart-gap", "chart-loss", "chart-ogr"], "the imbalance preset's five charts (method charts hidden while their method is off)");
      for (const c of charts) {
        assert.ok(c.inView, `${c.chart} in view: ${c.box}`);
        assert.ok(c.sharp, `${c.chart}: one canvas pixel per device pixel`);
        assert.ok(c.uncovered, `${c.chart}: nothing covers it`);
      }
    });
  });
}

// Small screens: a 1280×720 projector at 150 % zoom (853×480 at pixel ratio 1.5) and a
// phone (390×844). The settings are a drawer, so the charts come first: the first row of
// charts is inside the first screen. Not all five charts fit at once here; each, once
// scrolled to, lies wholly inside the screen, sharp and uncovered, and the page never
// scrolls sideways.
for (const [width, height, scale, firstRow] of [[853, 480, 1.5, 3], [390, 844, 3, 1]]) {
  test(`at ${width}×${height} (pixel ratio ${scale}) the charts come first, each fits the screen sharp and uncovered, no sideways scroll`, { timeout: CPU_TIMEOUT }, async () => {
    await withExplorer({ webgpu: false, viewport: { width, height }, scale }, async (ui) => {
      await ui.waitForText("run-status", /^finished$/, 60_000);
      await ui.frames(10);
      await ui.screenshot(`charts-${width}x${height}@${scale}.png`);
      const first = await lookAtCharts(ui);
      assert.deepEqual(first.map((c) => c.chart), ["chart-loss", "chart-gap", "chart-ogr", "chart-accuracy", "chart-contribution"]);
      const opening = first.filter((c) => c.inView).map((c) => c.chart);
      assert.deepEqual(opening, first.slice(0, firstRow).map((c) => c.chart), `the first row of charts is in the opening screen: ${JSON.stringify(first.map((c) => c.box))}`);
      for (const id of first.map((c) => c.chart)) {
        const c = await ui.page.evaluate(`(() => { const canvas = document.querySelector('[data-testid="${id}"] canvas'); canvas.scrollIntoView({ block: "center" }); return (${lookAtCanvas})(canvas); })()`);
        assert.ok(c.inView, `${id} fits the screen once scrolled to: ${c.box}`);
        assert.ok(c.sharp, `${id}: one canvas pixel per device pixel`);
        assert.ok(c.uncovered, `${id}: nothing covers it`);
      }
      const sideways = await ui.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(sideways <= width, `no sideways scroll: scrollWidth ${sideways} > ${width}`);
    });
  });
}

test("each chart has its own log switch (OGR starts on it) and a legend that hides its lines", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    assert.ok(await ui.page.getByTestId("log-ogr").isChecked(), "OGR on a log scale by default");
    assert.ok(!(await ui.page.getByTestId("log-loss").isChecked()), "loss on a linear scale");
    await ui.frames(10);
    const before = await ui.chartFingerprint("loss");
    const entry = ui.page.locator('[data-testid="chart-loss"] .legend-entry', { hasText: /^\s*fused\s*$/ });
    assert.equal(await entry.getAttribute("aria-pressed"), "true");
    await entry.click();
    assert.equal(await entry.getAttribute("aria-pressed"), "false");
    await ui.frames(5);
    assert.notEqual(await ui.chartFingerprint("loss"), before, "the chart redrew without the line");
    // The crosshair's tooltip: one row per line still shown, each with its swatch.
    const canvas = ui.page.locator('[data-testid="chart-loss"] canvas');
    const box = await canvas.boundingBox();
    await ui.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    const tooltip = ui.page.locator('[data-testid="chart-loss"] [data-testid="chart-tooltip"]');
    await tooltip.waitFor();
    assert.match(await tooltip.locator("p").innerText(), /^run: current · step \d+$/);
    const rows = await tooltip.locator("li").allInnerTexts();
    assert.equal(rows.length, 5, `five of the six lines shown: ${rows}`);
    assert.ok(rows.every((r) => /: -?\d\.\d{4} \(raw -?\d\.\d{4}\)$/.test(r)) && !rows.some((r) => r.startsWith("fused:")), rows.join(" | "));
    assert.equal(await tooltip.locator(".swatch").count(), 5);
    assert.equal(await ui.page.locator('[data-testid="chart-loss"] .crosshair').count(), 1);
    await ui.screenshot("tooltip.png");
    await ui.page.getByTestId("log-loss").check();
    await ui.frames(5);
    assert.ok(await ui.page.getByTestId("log-loss").isChecked());
  });
});

test("presentation mode and folded settings keep every chart sharp at its new size", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, viewport: { width: 1440, height: 900 } }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    const sharp = () => ui.page.evaluate(() => [...document.querySelectorAll("figure.chart:not([hidden]) canvas")]
      .every((c) => c.width === Math.round(c.clientWidth * devicePixelRatio) && c.height === Math.round(c.clientHeight * devicePixelRatio)));
    const loss = () => ui.page.evaluate(() => document.querySelector('[data-testid="chart-loss"] canvas').clientWidth);
    const before = await loss();
    await ui.page.getByTestId("present").click();
    await ui.frames(5);
    assert.ok(!(await ui.page.locator(".settings-body").isVisible()), "presentation hides the settings");
    assert.ok(await ui.page.getByTestId("story-card").isVisible(), "and keeps the story");
    assert.notEqual(await loss(), before, "the charts took the room");
    assert.ok(await sharp(), "redrawn at their new size");
    await ui.screenshot("presenting.png");
    await ui.page.getByTestId("present").click();
    await ui.page.getByTestId("fold-settings").click();
    await ui.frames(5);
    assert.ok(!(await ui.page.locator(".settings-body").isVisible()), "folded away");
    assert.ok(await sharp(), "redrawn after folding");
  });
});

// A chart alone (A.5) and its PNG for a slide (A.8): at 1280×720 in presentation mode the
// Accuracy chart, focused by its number, fills the chart area with a plot of at least
// 900×450 px and its text at least 18 px; Esc and the "All charts" button return; its PNG has
// twice its size on the page, the title band on top and the legend under it.
test("a chart alone fills the screen (key or title, Esc returns) and its PNG carries title and legend at twice its size", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, viewport: { width: 1280, height: 720 } }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.page.getByTestId("present").click();
    await ui.page.keyboard.press("4");
    await ui.page.getByTestId("unfocus").waitFor();
    await ui.frames(6);
    const shown = () => ui.page.evaluate(() => [...document.querySelectorAll("figure.chart:not([hidden])")].map((f) => f.dataset.testid));
    assert.deepEqual(await shown(), ["chart-accuracy"], "key 4: the Accuracy chart alone");
    const look = await ui.page.evaluate(`(${lookAtCanvas})(document.querySelector('[data-testid="chart-accuracy"] canvas'))`);
    assert.ok(look.inView && look.sharp && look.uncovered, JSON.stringify(look));
    // The plot inside the canvas: plotters' margins (8 around, 62 for the y labels, 16 on the
    // right, 34 for the x labels) times the canvas' zoom, which the context's transform holds.
    const { width, height, zoom } = await ui.page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="chart-accuracy"] canvas');
      return { width: canvas.clientWidth, height: canvas.clientHeight, zoom: canvas.getContext("2d").getTransform().a / devicePixelRatio };
    });
    const plot = [width - (8 + 62 + 16) * zoom, height - (8 + 34 + 8) * zoom].map(Math.round);
    assert.ok(plot[0] >= 900 && plot[1] >= 450, `plot area ${plot.join("×")} px (canvas ${width}×${height}, zoom ${zoom})`);
    assert.ok(11 * zoom >= 18, `tick labels ${11 * zoom} px`);
    await ui.screenshot("focus-1280x720.png");
    const png = await ui.download("png-accuracy");
    await ui.page.keyboard.press("Escape");
    await ui.frames(4);
    assert.equal((await shown()).length, 5, "Esc: every chart again");
    await ui.page.getByTestId("focus-loss").click();
    await ui.page.getByTestId("unfocus").waitFor();
    assert.deepEqual(await shown(), ["chart-loss"], "the title focuses too");
    await ui.page.getByTestId("unfocus").click();
    await ui.frames(4);
    assert.equal((await shown()).length, 5, "the button returns");
    // The PNG, read in a blank page (no policy there against data: images).
    const blank = await ui.browser.newPage();
    const image = await blank.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.width, img.height];
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const inked = (y0, y1, dark) => {
        const d = g.getImageData(0, y0, img.width, y1 - y0).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (dark ? d[i] + d[i + 1] + d[i + 2] < 300 : d[i] + d[i + 1] + d[i + 2] < 720) n++;
        return n;
      };
      return { width: img.width, height: img.height, title: inked(0, 60, true), bottom: inked(img.height - 40, img.height, false) };
    }, png.bytes.toString("base64"));
    await blank.close();
    assert.equal(image.width, 2 * width, `PNG ${image.width}×${image.height} for a ${width}×${height} canvas`);
    assert.ok(image.height >= 2 * (height + 30 + 17), `title band and legend rows below: ${image.height}`);
    assert.ok(image.title > 500, `the title is drawn in the top band: ${image.title} dark pixels`);
    assert.ok(image.bottom > 200, `the legend is drawn under the plot: ${image.bottom} inked pixels`);
  });
});

// A.6: a pin and A/B keep the Accuracy chart on a 1440×900 screen; the panel states the
// outcome; B − A has a small plot of its own under each chart.
test("with a pinned run and A/B the Accuracy chart stays on a 1440×900 screen and the panel states the outcome", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, viewport: { width: 1440, height: 900 } }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.page.getByTestId("pin-run").click();
    await ui.page.getByTestId("ab-toggle").click();
    await ui.page.getByTestId("knob-methods.fusion_dropout.enabled").check();
    await ui.page.getByTestId("play").click();
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.waitForText("ab-a-status", /^A: step 400, finished$/, 60_000);
    await ui.waitForText("ab-outcome", /^At step 400: fused val acc A \d+ % → B \d+ % \([±+−]\d+ points?\); a's probe A \d+ % → B \d+ % \([±+−]\d+ points?\); b's probe A \d+ % → B \d+ % \([±+−]\d+ points?\)\.$/);
    await ui.frames(10);
    await ui.page.evaluate(() => window.scrollTo(0, 0));
    const charts = await lookAtCharts(ui);
    await ui.screenshot("pins-ab-1440x900.png");
    const accuracy = charts.find((c) => c.chart === "chart-accuracy");
    assert.ok(accuracy.inView && accuracy.uncovered, `the Accuracy chart on the first screen: ${accuracy.box}`);
    const legend = await ui.page.evaluate(() => [...document.querySelectorAll('[data-testid="legend-accuracy"] .legend-entry')].map((e) => e.textContent.trim()));
    for (const line of ["A · fused", "B · fused", "B − A · fused", "run 1 · fused"]) assert.ok(legend.includes(line), `${line} in ${legend}`);
  });
});

// A.9: a phone held sideways in presentation mode keeps every chart's axis titles, drawn
// inside its canvas (the canvas' text calls are recorded as drawn).
test("presentation mode on a phone held sideways (844×390) keeps each chart's axis titles inside it", { timeout: CPU_TIMEOUT }, async () => {
  const initScript = () => {
    window.__texts = [];
    const fill = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
      const at = this.getTransform().transformPoint(new DOMPoint(x, y));
      window.__texts.push({ chart: this.canvas.closest("figure")?.dataset.testid, text: String(text), x: at.x, y: at.y, width: this.canvas.width, height: this.canvas.height });
      return fill.call(this, text, x, y, ...rest);
    };
  };
  await withExplorer({ webgpu: false, viewport: { width: 844, height: 390 }, initScript }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    await ui.frames(5);
    await ui.page.evaluate(() => { window.__texts = []; });
    await ui.page.getByTestId("present").click();
    await ui.frames(20);
    await ui.screenshot("landscape-present-844x390.png");
    const texts = await ui.page.evaluate(() => window.__texts);
    // The contribution chart's small plots are named instead (a y title needs 90 px of one).
    const titles = { "chart-loss": ["cross-entropy"], "chart-gap": ["L_val − L_train"], "chart-ogr": ["|ΔO / ΔG|"], "chart-accuracy": ["accuracy"], "chart-contribution": ["a", "b"] };
    for (const [chart, y] of Object.entries(titles)) {
      for (const title of ["step", ...y]) {
        const drawn = texts.filter((t) => t.chart === chart && t.text === title);
        assert.ok(drawn.length > 0, `${chart}: "${title}" drawn in presentation mode`);
        assert.ok(drawn.every((t) => t.x >= 0 && t.x <= t.width && t.y >= 0 && t.y <= t.height), `${chart}: "${title}" inside the canvas: ${JSON.stringify(drawn.at(-1))}`);
      }
    }
  });
});

// B.1: the model as a picture, from the configuration, following structural knobs and the
// methods in use.
test("the model diagram shows each modality's input, encoder and probe, the fusion and the fused head, and follows the settings", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, viewport: { width: 1440, height: 900 } }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    const block = (id) => ui.text(`diagram-${id}`);
    assert.match(await block("input-a"), /^a 8 features$/);
    assert.match(await block("input-b"), /^b 512 features$/);
    assert.match(await block("encoder-a"), /^encoder MLP 2 × 64\s*4,736 parameters$/);
    assert.match(await block("head-b"), /^b's probe 64 → 4\s*260 parameters$/);
    assert.match(await block("fusion"), /^concat 2 × 64 → 128$/);
    assert.match(await block("fused-head"), /^fused head 128 → 4\s*516 parameters$/);
    assert.equal(await ui.text("diagram-total"), "42,764 parameters");
    // B.3: early fusion makes each encoder one linear layer (its share of one encoder's first
    // layer) and shares the rest; late fusion averages per-modality classifiers, no fused head.
    await ui.page.getByTestId("knob-model.fusion").selectOption("early");
    await ui.waitForText("diagram-fusion", /^early: one encoder ReLU\(Σ of 2 × 64\), then 1 × 64 shared\s*4,160 parameters$/);
    assert.match(await block("encoder-a"), /^encoder linear 8 → 64\s*576 parameters$/);
    assert.match(await block("fused-head"), /^fused head 64 → 4\s*260 parameters$/);
    await ui.page.getByTestId("knob-model.fusion").selectOption("late");
    await ui.waitForText("diagram-fusion", /^late: mean of logits mean of 2 classifiers 64 → 4\s*520 parameters$/);
    assert.match(await block("fused-head"), /^fused head none: the fusion gives the logits$/);
    assert.match(await block("encoder-a"), /^encoder MLP 2 × 64\s*4,736 parameters$/);
    // A structural knob: the fusion becomes LMF, with its own weights.
    await ui.page.getByTestId("knob-model.fusion").selectOption("lmf");
    await ui.waitForText("diagram-fusion", /^LMF \(r = 4\) 2 × 64 → 64\s*33,348 parameters$/);
    assert.match(await block("fused-head"), /^fused head 64 → 4\s*260 parameters$/);
    // A method marks the part it acts on.
    await ui.page.getByTestId("knob-methods.fusion_dropout.enabled").check();
    await ui.waitForText("diagram-fusion", /dropout$/);
    await ui.page.evaluate(() => { document.querySelector("aside").scrollTop = 0; window.scrollTo(0, 0); });
    await ui.screenshot("diagram-1440x900.png");
    await ui.page.getByTestId("preset").selectOption("gradient-blending");
    await ui.waitForText("diagram-head-a", /^head a 64 → 4\s*260 parameters\s*G-Blend weight, trained$/);
  });
});

// B.2: a modality missing at test time, on its own small plot under the Accuracy chart,
// and the modality-dropout preset's card that checks it.
test("the Accuracy chart draws the fused model with each modality missing; the modality-dropout card judges it", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, query: "?test-hooks", viewport: { width: 1440, height: 900 }, hash: "v=1&preset=modality-dropout" }, async (ui) => {
    await ui.waitForText("run-status", /^finished$/, 60_000);
    const legend = await ui.page.evaluate(() => [...document.querySelectorAll('[data-testid="legend-accuracy"] .legend-entry')].map((e) => e.textContent.trim()));
    for (const line of ["fused, a missing", "fused, b missing"]) assert.ok(legend.includes(line), `${line} in ${legend}`);
    const last = (await ui.evaluations()).at(-1);
    assert.deepEqual(Object.keys(last.heads.fused.missing), ["a", "b"], "heads.fused.missing per modality");
    const texts = await ui.page.evaluate(() => document.querySelector('[data-testid="chart-accuracy"] canvas').getAttribute("aria-label"));
    assert.match(texts, /fused, a missing 0\.\d+/, "the chart's text alternative reads the small plot too");
    await ui.waitForText("verdict", /^At the end: fused with a missing \d+ % [<=>] b's probe \d+ % \(\d+ points? (below|above); \d+ % with both\): reproduced\.$/);
    await ui.screenshot("modality-dropout.png");
  });
});

test("keyboard shortcuts: space plays and pauses, s steps, r resets, also after a click on a button; keys typed in a field and a checkbox's space are left alone", { timeout: CPU_TIMEOUT }, async () => {
  await withExplorer({ webgpu: false, hash: "v=1&preset=imbalance&play=0", pace: "20" }, async (ui) => {
    assert.match(await ui.text("keys"), /space play\/pause · s step · r reset/);
    await ui.waitForText("run-status", /^ready$/);
    await ui.page.locator("h1").click(); // focus on the page, not on a control
    await ui.page.keyboard.press("Space");
    await ui.waitForText("run-status", /^training$/);
    await ui.page.keyboard.press("Space");
    await ui.waitForText("run-status", /^paused$/);
    const paused = await ui.number("eval-counter");
    await ui.page.keyboard.press("s");
    await ui.waitForAtLeast("eval-counter", paused + 1);
    await ui.waitForText("run-status", /^paused$/);
    await ui.page.keyboard.press("r");
    await ui.page.waitForFunction(() => document.querySelector('[data-testid="step-counter"]').textContent === "0");
    // In the seed field, keys are typing: the run stays at step 0 and ready or paused.
    const seed = ui.page.getByTestId("knob-train.seed");
    await seed.focus();
    await ui.page.keyboard.press("Space");
    await ui.page.keyboard.press("s");
    await ui.frames(20);
    assert.match(await ui.text("run-status"), /^(ready|paused)$/);
    assert.equal(await ui.number("step-counter"), 0);
    // After a click on Play (focus stays on it) the shortcuts still work, and space does not
    // also press the button: paused, not toggled twice.
    await ui.page.getByTestId("play").click();
    await ui.waitForText("run-status", /^training$/);
    await ui.page.keyboard.press("Space");
    await ui.waitForText("run-status", /^paused$/);
    await ui.frames(20);
    assert.equal(await ui.text("run-status"), "paused", "the button did not play it again");
    await ui.page.keyboard.press("Space");
    await ui.waitForText("run-status", /^training$/);
    await ui.page.getByTestId("pause").click();
    await ui.waitForText("run-status", /^paused$/);
    const before = await ui.number("eval-counter");
    await ui.page.keyboard.press("s");
    await ui.waitForAtLeast("eval-counter", before + 1);
    await ui.waitForText("run-status", /^paused$/);
    // A checkbox keeps its space (its only key): it toggles, the run stays paused.
    const log = ui.page.getByTestId("log-loss");
    const checked = await log.isChecked();
    await log.focus();
    await ui.page.keyboard.press("Space");
    await ui.frames(20);
    assert.equal(await log.isChecked(), !checked, "space toggled the checkbox");
    assert.equal(await ui.text("run-status"), "paused", "and did not play the run");
  });
});

test("while the page's module arrives a skeleton with a progress bar shows, and leaves when the page mounts", { timeout: CPU_TIMEOUT }, async () => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const beforeGoto = (page) => page.route(/modalscope-web_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await withExplorer({ webgpu: false, beforeGoto }, async (ui) => {
    await ui.page.getByTestId("skeleton").waitFor({ state: "visible" });
    assert.match(await ui.text("skeleton"), /^Modalscope.*Loading the explorer…/s);
    assert.equal(await ui.page.getByTestId("skeleton-progress").isVisible(), true);
    assert.equal(await ui.page.getByTestId("play").count(), 0, "no controls yet");
    release();
    await ui.page.getByTestId("play").waitFor({ state: "visible" });
    assert.equal(await ui.page.getByTestId("skeleton").count(), 0, "the skeleton left when the page mounted");
    await ui.waitForAtLeast("eval-counter", 1);
  });
});
