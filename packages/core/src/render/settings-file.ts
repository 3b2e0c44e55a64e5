// The render settings' file name on its own: the gitops checks need it without the settings reader.

/** The render settings file in the output directory. */
export const SETTINGS_FILE_NAME = 'render-settings.yaml';
