/** Flags Chromium is always started with through Playwright (which adds its own headless flag). */
export declare const chromiumArgs: readonly string[]
/** The same flags with `--headless`, for spawning Chromium directly. */
export declare const chromiumCliArgs: readonly string[]
/** Places a Chromium is looked for, after $CHROMIUM_PATH and $CHROME_PATH. */
export declare const chromiumPaths: readonly string[]
/** Resolves the path of an installed Chromium, or null. Never installs anything. */
export declare function findChromium(): string | null
/** Resolves a Chromium path, installing one if needed; throws with install instructions otherwise. */
export declare function ensureChromium(): string
