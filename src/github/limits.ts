/** Limits of the GitHub platform that the app works within (see docs for each endpoint). */

/** GitHub lists at most this many files of a pull request (the pull request files endpoint). */
export const MAX_LISTED_FILES = 3000;

/** The compare API lists at most this many files. */
export const COMPARE_FILE_LIMIT = 300;
