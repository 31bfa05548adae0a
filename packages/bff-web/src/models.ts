/** A user by id: name and email are loaded only when asked for (codegen mapper for User). */
export interface UserRef {
  id: string;
}
