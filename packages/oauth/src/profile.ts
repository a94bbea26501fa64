/** Who the provider says signed in, after every check the provider's kind allows. */
export interface ProviderProfile {
  /** The provider's stable id of the user (`sub`, GitHub's numeric id): what links follow. */
  readonly subject: string;
  /** The email, only when the provider says it is verified; `undefined` otherwise. */
  readonly verifiedEmail: string | undefined;
}
