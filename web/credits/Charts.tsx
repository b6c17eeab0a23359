import { For, Show } from 'solid-js'
import { formatCredits } from './credits'

/**
 * A bar chart drawn as SVG: one bar per label, heights to scale, the value in each bar's title
 * (and its accessible name), so it reads without a table. `vertical` puts bars side by side (days).
 */
export function BarChart(props: { label: string; bars: Array<{ label: string; micros: number; href?: string }>; vertical?: boolean; empty?: string }) {
  const max = () => Math.max(1, ...props.bars.map((b) => b.micros))
  const width = 560
  const rowHeight = 18
  return (
    <figure class="chart">
      <figcaption>{props.label}</figcaption>
      <Show when={props.bars.some((b) => b.micros > 0)} fallback={<p class="hint">{props.empty ?? 'Nothing spent yet.'}</p>}>
        <Show
          when={props.vertical}
          fallback={
            <svg role="img" aria-label={props.label} width={width} height={props.bars.length * rowHeight} viewBox={`0 0 ${width} ${props.bars.length * rowHeight}`}>
              <For each={props.bars}>
                {(b, i) => (
                  <g>
                    {/* A bar with an `href` (a run) opens it. The <a> sits inside the <g> so that it is made as SVG. */}
                    <a href={b.href}>
                      <title>{`${b.label}: ${formatCredits(b.micros)} credits`}</title>
                      <text x="0" y={i() * rowHeight + 13} class="chart-label">{b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label}</text>
                      <rect class="bar" x="170" y={i() * rowHeight + 3} height={rowHeight - 6} width={Math.max(1, ((width - 250) * b.micros) / max())} />
                      <text x={175 + ((width - 250) * b.micros) / max()} y={i() * rowHeight + 13} class="chart-value">{formatCredits(b.micros)}</text>
                    </a>
                  </g>
                )}
              </For>
            </svg>
          }
        >
          <svg role="img" aria-label={props.label} width={width} height="120" viewBox={`0 0 ${width} 120`}>
            <For each={props.bars}>
              {(b, i) => {
                const w = width / props.bars.length
                const h = (100 * b.micros) / max()
                return (
                  <g>
                    <title>{`${b.label}: ${formatCredits(b.micros)} credits`}</title>
                    <rect class="bar" x={i() * w + 1} y={100 - h} width={Math.max(1, w - 2)} height={Math.max(b.micros > 0 ? 1 : 0, h)} />
                  </g>
                )
              }}
            </For>
            <text x="0" y="116" class="chart-label">{props.bars[0]?.label}</text>
            <text x={width} y="116" text-anchor="end" class="chart-label">{props.bars.at(-1)?.label}</text>
          </svg>
        </Show>
      </Show>
    </figure>
  )
}

/** The last `days` days, oldest first, with what was spent on each (0 on days without spending). */
export function dailySeries(byDay: Array<{ day: string; spentMicros: number }>, days: number, now = Date.now()): Array<{ label: string; micros: number }> {
  const spent = new Map(byDay.map((d) => [d.day, d.spentMicros]))
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(now - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10)
    return { label: day, micros: spent.get(day) ?? 0 }
  })
}
