// Google clients must never probe the metadata server from tests.
process.env.METADATA_SERVER_DETECTION = 'none';
