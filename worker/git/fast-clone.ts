import * as git from 'isomorphic-git'
import { AppError, throwIfAborted } from '../../shared/errors'
import { mkdirp, type FileService } from '../../shared/namespace'
import type { Progress } from '../../shared/protocol'
import type { FsAdapter } from '../namespace'
import { writeIndexFile, type IndexRow } from './index-file'
import { indexPack, type IndexedPack } from './pack'
import { discoverRefs, fetchPack } from './smart-http'

/** Where a fast clone writes, and with what. */
export interface CloneTarget {
  service: FileService
  fs: FsAdapter
  dir: string
}

const decoder = new TextDecoder()

/**
 * Clones `url` into `target.dir` without isomorphic-git's per-object pack indexing: one
 * upload-pack request, the pack indexed in memory (every object inflated once), the working
 * tree and the index written straight from those objects. Errors whose data says
 * `unsupported` mean the server needs the general path (isomorphic-git's clone).
 */
export async function fastClone(target: CloneTarget, options: { url: string; via?: string; depth?: number; ref?: string; signal?: AbortSignal; onProgress?: (p: Progress) => void }): Promise<void> {
  const { url, depth, ref, signal, onProgress } = options
  const { service, fs, dir } = target
  // The bytes may come through the edge's git proxy; the remote stays the repository's own URL.
  const transport = options.via ?? url
  const adv = await discoverRefs(transport, signal)
  throwIfAborted(signal)
  const heads = [...adv.refs].filter(([name]) => name.startsWith('refs/heads/'))
  const tags = [...adv.refs].filter(([name]) => name.startsWith('refs/tags/') && !name.endsWith('^{}'))
  const single = depth !== undefined

  // What to check out: the branch asked for, else the server's HEAD, else main/master/first.
  let branch: string | null = null
  let detached: string | null = null
  if (ref) {
    if (adv.refs.has(`refs/heads/${ref}`)) branch = ref
    else if (adv.refs.has(`refs/tags/${ref}`)) detached = adv.refs.get(`refs/tags/${ref}^{}`) ?? adv.refs.get(`refs/tags/${ref}`)!
    else throw new AppError('NOT_FOUND', `${url} has no branch or tag named '${ref}'`, { ref })
  } else if (heads.length > 0) {
    const fromHead = adv.head?.startsWith('refs/heads/') && adv.refs.has(adv.head) ? adv.head.slice('refs/heads/'.length) : null
    branch = fromHead ?? (['main', 'master'].find((b) => adv.refs.has(`refs/heads/${b}`)) || heads[0][0].slice('refs/heads/'.length))
  }

  await git.init({ fs, dir, defaultBranch: branch ?? 'main' })
  await git.setConfig({ fs, dir, path: 'remote.origin.url', value: url })
  await git.setConfig({ fs, dir, path: 'remote.origin.fetch', value: single && branch ? `+refs/heads/${branch}:refs/remotes/origin/${branch}` : '+refs/heads/*:refs/remotes/origin/*' })
  if (!branch && !detached) return // an empty repository: nothing to fetch

  const tipOid = detached ?? adv.refs.get(`refs/heads/${branch}`)!
  const wants = single ? [tipOid] : [...heads.map(([, oid]) => oid), ...tags.map(([, oid]) => oid)]
  const { pack, shallow } = await fetchPack(transport, wants, { depth, signal, onProgress, capabilities: adv.capabilities })
  throwIfAborted(signal)
  const indexed = await indexPack(pack, { signal, onProgress })

  const gitdir = `${dir}/.git`
  await mkdirp(service, `${gitdir}/objects/pack`)
  await service.writeFile(`${gitdir}/objects/pack/pack-${indexed.packSha}.pack`, pack)
  await service.writeFile(`${gitdir}/objects/pack/pack-${indexed.packSha}.idx`, indexed.idx)
  const writeRef = async (name: string, value: string) => {
    await mkdirp(service, `${gitdir}/${name.slice(0, name.lastIndexOf('/'))}`)
    await service.writeFile(`${gitdir}/${name}`, new TextEncoder().encode(`${value}\n`))
  }
  for (const [name, oid] of single ? heads.filter(([n]) => n === `refs/heads/${branch}`) : heads) {
    if (indexed.has(oid)) await writeRef(`refs/remotes/origin/${name.slice('refs/heads/'.length)}`, oid)
  }
  if (!single) for (const [name, oid] of tags) if (indexed.has(oid)) await writeRef(name, oid)
  if (branch) {
    await writeRef(`refs/heads/${branch}`, tipOid)
    await writeRef('refs/remotes/origin/HEAD', `ref: refs/remotes/origin/${branch}`)
    await service.writeFile(`${gitdir}/HEAD`, new TextEncoder().encode(`ref: refs/heads/${branch}\n`))
    await git.setConfig({ fs, dir, path: `branch.${branch}.remote`, value: 'origin' })
    await git.setConfig({ fs, dir, path: `branch.${branch}.merge`, value: `refs/heads/${branch}` })
  } else {
    await service.writeFile(`${gitdir}/HEAD`, new TextEncoder().encode(`${tipOid}\n`))
  }
  if (shallow.length > 0) await service.writeFile(`${gitdir}/shallow`, new TextEncoder().encode(shallow.map((s) => `${s}\n`).join('')))

  onProgress?.({ phase: 'Updating workdir', loaded: 0, total: 0 })
  const commit = read(indexed, tipOid, 'commit')
  const treeOid = /^tree ([0-9a-f]{40})/.exec(decoder.decode(commit.subarray(0, 46)))?.[1]
  if (!treeOid) throw new AppError('GIT', `commit ${tipOid} has no tree`)
  const rows: Array<Omit<IndexRow, 'stat'>> = []
  await checkoutTree(service, dir, indexed, treeOid, '', rows, signal)
  const statted = await Promise.all(rows.map(async (r) => ({ ...r, stat: await service.lstat(`${dir}/${r.path}`) })))
  const index = await writeIndexFile(statted)
  await service.writeFile(`${gitdir}/index`, index)
}

function read(pack: IndexedPack, oid: string, type: string): Uint8Array {
  const o = pack.read(oid)
  if (!o) throw new AppError('GIT', `the pack lacks object ${oid}`, { oid })
  if (o.type !== type) throw new AppError('GIT', `object ${oid} is a ${o.type}, expected a ${type}`, { oid })
  return o.data
}

/** Writes a tree's files (and the index rows for them) from the in-memory pack. */
async function checkoutTree(service: FileService, dir: string, pack: IndexedPack, treeOid: string, prefix: string, rows: Array<Omit<IndexRow, 'stat'>>, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal)
  const tree = read(pack, treeOid, 'tree')
  let at = 0
  while (at < tree.length) {
    const space = tree.indexOf(0x20, at)
    const nul = space < 0 ? -1 : tree.indexOf(0, space)
    if (nul < 0 || nul + 21 > tree.length) throw new AppError('GIT', `tree ${treeOid} is malformed`, { oid: treeOid })
    const mode = decoder.decode(tree.subarray(at, space))
    const name = decoder.decode(tree.subarray(space + 1, nul))
    let oid = ''
    for (let i = nul + 1; i < nul + 21; i++) oid += tree[i].toString(16).padStart(2, '0')
    at = nul + 21
    if (name === '' || name === '.' || name === '..' || name.includes('/') || (prefix === '' && name.toLowerCase() === '.git')) {
      throw new AppError('GIT', `refusing to check out an unsafe path '${prefix}${name}'`, { path: prefix + name })
    }
    const path = prefix + name
    const full = `${dir}/${path}`
    if (mode === '40000') {
      await service.mkdir(full)
      await checkoutTree(service, dir, pack, oid, `${path}/`, rows, signal)
    } else if (mode === '160000') {
      await service.mkdir(full)
      rows.push({ path, oid, mode: 0o160000, })
    } else if (mode === '120000') {
      await service.symlink(decoder.decode(read(pack, oid, 'blob')), full)
      rows.push({ path, oid, mode: 0o120000, })
    } else {
      const executable = mode === '100755'
      await service.writeFile(full, read(pack, oid, 'blob'), { mode: executable ? 0o755 : 0o644 })
      rows.push({ path, oid, mode: executable ? 0o100755 : 0o100644, })
    }
  }
}
