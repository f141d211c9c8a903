// Who is logged in and how far they got: anonymous → (password_change) → (totp_enroll | totp) → full.
// The server decides each step; the store only remembers its last answer, the CSRF token that goes with the
// session, and the /me profile once the session is full.

import { defineStore } from 'pinia'
import { auth as api } from '@/api/client'
import { ApiError } from '@/api/http'
import type { Me, Permission, Stage, StageAnswer } from '@/api/types'

export type AuthStage = 'unknown' | 'anonymous' | Stage

/** The route each stage lives on. */
export const STAGE_ROUTES: Record<Exclude<AuthStage, 'unknown' | 'full'>, string> = {
  anonymous: '/login',
  password_change: '/password-change',
  totp_enroll: '/totp/enroll',
  totp: '/totp',
}

export const useAuthStore = defineStore('auth', {
  state: () => ({
    stage: 'unknown' as AuthStage,
    csrfToken: null as string | null,
    me: null as Me | null,
    /** The user name typed at login, for the password rules before /me is known. */
    username: '',
  }),
  getters: {
    permissions: (s): Set<Permission> => new Set(s.me?.permissions ?? []),
    isFull: (s) => s.stage === 'full',
    /** The caller's own staff id (the contract nests it in `staff`, the server answers it as `id`). */
    selfStaffId: (s): string | null => s.me?.staff?.id ?? s.me?.id ?? null,
    displayName: (s): string => s.me?.staff?.name || s.me?.name || s.me?.username || '',
  },
  actions: {
    can(p: Permission): boolean {
      return this.permissions.has(p)
    },

    /** Takes a stage answer from login, password change or TOTP verify. */
    applyStage(a: StageAnswer): void {
      this.stage = a.stage
      if (a.csrf_token) this.csrfToken = a.csrf_token
      if (a.stage !== 'full') this.me = null
    },

    /** Asks /me where the session stands; anonymous when there is none. */
    async refresh(): Promise<AuthStage> {
      try {
        const me = await api.me({ quiet: true, authStep: true })
        this.me = me
        this.stage = me.stage
        if (me.csrf_token) this.csrfToken = me.csrf_token
        if (me.username) this.username = me.username
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
          this.reset()
        } else {
          throw e
        }
      }
      return this.stage
    },

    async login(username: string, password: string): Promise<AuthStage> {
      this.username = username
      this.applyStage(await api.login({ username, password }))
      if (this.stage === 'full') await this.refresh()
      return this.stage
    },

    async changePassword(current_password: string, new_password: string): Promise<AuthStage> {
      this.applyStage(await api.changePassword({ current_password, new_password }))
      if (this.stage === 'full') await this.refresh()
      return this.stage
    },

    async verifyTotp(code: string): Promise<AuthStage> {
      this.applyStage(await api.totpVerify(code))
      if (this.stage === 'full') await this.refresh()
      return this.stage
    },

    async logout(everywhere = false): Promise<void> {
      try {
        if (everywhere) await api.logoutAll()
        else await api.logout()
      } finally {
        this.reset()
      }
    },

    /** Forgets the session (after logout, or when the server says it is gone). */
    reset(): void {
      this.stage = 'anonymous'
      this.csrfToken = null
      this.me = null
    },
  },
})
