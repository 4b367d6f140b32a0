/** The version of portcullis, recorded in every manifest it writes. */
export const VERSION = '0.1.0';
