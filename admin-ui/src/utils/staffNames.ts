// Staff ids shown as names where the caller may read staff (`staff.read`); otherwise, and until the name is
// known or when the person is out of scope, the id itself. One lookup per id per screen.
import { reactive } from 'vue'
import { staff as api } from '@/api/client'

export function useStaffNames(canRead: () => boolean) {
  const names = reactive(new Map<string, string>())
  const asked = new Set<string>()
  function name(id: string | null | undefined): string {
    if (!id) return '—'
    if (!asked.has(id) && canRead()) {
      asked.add(id)
      api
        .get(id, { quiet: true })
        .then((s) => names.set(id, `${s.name}（${s.employee_no}）`))
        .catch(() => undefined)
    }
    return names.get(id) ?? id
  }
  return { name }
}
