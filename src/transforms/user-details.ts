// --remove-user-details: no email or name anywhere in the output. completed_by becomes the user
// id (done in serialization.ts); this stage strips the fields that carry names or emails:
// drafts' `user` and `created_username`, and `created_username` on annotations (storage blobs).

import type { Transform } from '../contracts.js';
import type { ExportSpec } from '../export-spec.js';

const PERSONAL = ['user', 'created_username'] as const;

export function userDetails(spec: ExportSpec): Transform | null {
  if (!spec.removeUserDetails) return null;
  return (batch) => {
    for (const task of batch) {
      for (const d of task.drafts ?? []) {
        if (typeof d === 'object' && d !== null) for (const k of PERSONAL) delete d[k];
      }
      for (const a of task.annotations ?? task.completions ?? []) {
        delete a.created_username;
        if (typeof a.completed_by === 'object' && a.completed_by !== null) a.completed_by = a.completed_by.id;
      }
    }
    return batch;
  };
}
