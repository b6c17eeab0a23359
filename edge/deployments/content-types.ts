/** A deployed file's content type comes from its extension: the edge decides, never the uploader (the table is shared with the in-tab preview). */
export { contentTypeOf, extensionOf } from '../../shared/mime'
