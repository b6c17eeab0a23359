import { AppError } from '../../../shared/errors'

/** The error for a malformed pack: code GIT, the offending entry's offset in `data` when known. */
export function corruptPack(detail: string, offset?: number): AppError {
  const where = offset === undefined ? '' : `the object at offset ${offset} `
  return new AppError('GIT', `corrupt pack: ${where}${detail}`, offset === undefined ? {} : { offset })
}
