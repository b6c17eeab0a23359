/**
 * @module The preview worker: its own Worker on its own host names (`<deployment-id>.<preview-domain>`,
 * locally `<id>.localhost:8790`), so a published page is never the IDE's origin and can read none of
 * its cookies or storage. It holds no database, no bucket and no secret: each request goes through
 * its one service binding to the edge's `DeploymentFiles` entrypoint, which serves that
 * deployment's files and nothing else (edge/deployments/preview.ts).
 */
interface PreviewEnv {
  DEPLOYMENTS: Fetcher
}

export default {
  fetch(request, env) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('A preview serves files only (GET and HEAD).\n', { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' } })
    }
    return env.DEPLOYMENTS.fetch(request)
  },
} satisfies ExportedHandler<PreviewEnv>
