console.log("byol", process.version, process.argv.slice(2));
