// Express 4, installed as `express4` (an npm alias) beside Express 5. Its API
// surface used by the tests is Express 5's, so it borrows those types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
