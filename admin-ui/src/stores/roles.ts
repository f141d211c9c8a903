// The built-in roles (GET /roles), with their names in the current language.
import { defineStore } from 'pinia'
import { roles as api } from '@/api/client'
import type { Role } from '@/api/types'
import { i18n } from '@/i18n'

export const useRolesStore = defineStore('roles', {
  state: () => ({ roles: [] as Role[], loaded: false }),
  actions: {
    async load(): Promise<void> {
      if (this.loaded) return
      this.roles = (await api.list()).items ?? []
      this.loaded = true
    },
    name(code: string): string {
      const r = this.roles.find((x) => x.code === code)
      if (!r) return code
      return i18n.global.locale.value === 'en-US' ? r.name_en : r.name_zh
    },
    isAdminDuty(code: string): boolean {
      return this.roles.find((x) => x.code === code)?.admin_duty ?? ['system_admin', 'security_admin', 'auditor'].includes(code)
    },
  },
})
