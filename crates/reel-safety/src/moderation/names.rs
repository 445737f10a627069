//! Curated name lists: real public figures, and third-party characters and brands.
//! Names are matched as whole words after folding, so "Obama" matches but "swift fox" does not
//! match "Taylor Swift". Single-word entries are only names that are not also common words.
//! A trailing `+` also accepts the possessive ("Obama's" folds to "obamas").

/// Politicians, heads of state, business leaders, entertainers, athletes.
pub const PUBLIC_FIGURES: &str = "donald trump+, joe biden+, barack obama+, michelle obama+, \
    obama+, biden+, kamala harris+, hillary clinton+, bill clinton+, george w bush+, \
    george bush+, vladimir putin+, putin+, volodymyr zelensky+, zelensky+, zelenskyy+, \
    xi jinping+, emmanuel macron+, macron+, angela merkel+, merkel+, olaf scholz+, \
    rishi sunak+, boris johnson+, keir starmer+, justin trudeau+, narendra modi+, \
    benjamin netanyahu+, netanyahu+, kim jong un+, kim jong-un+, recep erdogan+, erdogan+, \
    jair bolsonaro+, bolsonaro+, lula da silva+, javier milei+, giorgia meloni+, \
    mike pence+, ron desantis+, desantis+, nancy pelosi+, pelosi+, bernie sanders+, \
    alexandria ocasio cortez+, aoc, jd vance+, king charles+, prince harry+, prince william+, \
    queen elizabeth+, meghan markle+, kate middleton+, pope francis+, pope leo+, dalai lama+, \
    elon musk+, jeff bezos+, bezos+, mark zuckerberg+, zuckerberg+, bill gates+, \
    warren buffett+, tim cook+, sam altman+, steve jobs+, oprah winfrey+, oprah+, \
    taylor swift+, beyonce+, rihanna+, lady gaga+, kanye west+, kim kardashian+, kardashian+, \
    kardashians, kylie jenner+, justin bieber+, selena gomez+, ariana grande+, billie eilish+, \
    ed sheeran+, adele, drake graham, eminem+, snoop dogg+, jay z, jay-z, shakira+, \
    dua lipa+, harry styles+, miley cyrus+, katy perry+, madonna ciccone, britney spears+, \
    tom cruise+, tom hanks+, brad pitt+, angelina jolie+, leonardo dicaprio+, dicaprio+, \
    scarlett johansson+, jennifer lawrence+, jennifer aniston+, jennifer lopez+, \
    johnny depp+, keanu reeves+, will smith+, dwayne johnson+, the rock johnson, \
    morgan freeman+, margot robbie+, zendaya+, timothee chalamet+, emma watson+, \
    daniel radcliffe+, robert downey jr, ryan reynolds+, ryan gosling+, chris hemsworth+, \
    gal gadot+, natalie portman+, meryl streep+, denzel washington+, sydney sweeney+, \
    pedro pascal+, cristiano ronaldo+, lionel messi+, messi+, neymar+, lebron james+, \
    michael jordan+, serena williams+, usain bolt+, tiger woods+, roger federer+, \
    rafael nadal+, novak djokovic+, tom brady+, kylian mbappe+, conor mcgregor+, \
    mike tyson+, greta thunberg+, malala yousafzai+, joe rogan+, mrbeast, mr beast, \
    pewdiepie, andrew tate+, jordan peterson+, barron trump+, melania trump+, \
    ivanka trump+, hunter biden+, jill biden+, \
    jackie chan+, kevin hart+, emma stone+, bad bunny+, nicki minaj+, cardi b, travis scott+, \
    post malone+, the weeknd, bruno mars+, lil nas x, doja cat+, olivia rodrigo+, \
    sabrina carpenter+, chappell roan+, lana del rey+, lizzo+, justin timberlake+, \
    celine dion+, mariah carey+, whitney houston+, michael jackson+, elvis presley+, \
    freddie mercury+, john lennon+, paul mccartney+, mick jagger+, bob dylan+, \
    bruce springsteen+, dolly parton+, shania twain+, jimmy fallon+, jimmy kimmel+, \
    stephen colbert+, ellen degeneres+, david letterman+, conan obrien+, trevor noah+, \
    jon stewart+, tucker carlson+, sean hannity+, rachel maddow+, anderson cooper+, \
    mark cuban+, larry page+, sergey brin+, sundar pichai+, satya nadella+, jensen huang+, \
    jack ma+, richard branson+, jack dorsey+, peter thiel+, jack black+, jim carrey+, \
    adam sandler+, ben stiller+, will ferrell+, eddie murphy+, chris rock+, dave chappelle+, \
    samuel l jackson+, samuel jackson+, tom holland+, zac efron+, chris pratt+, chris evans+, \
    robert pattinson+, kristen stewart+, anne hathaway+, salma hayek+, penelope cruz+, \
    antonio banderas+, arnold schwarzenegger+, schwarzenegger+, sylvester stallone+, \
    stallone+, jason statham+, vin diesel+, bruce lee+, jet li+, nicolas cage+, tom hardy+, \
    cillian murphy+, florence pugh+, anya taylor joy+, jenna ortega+, millie bobby brown+, \
    dakota johnson+, kirsten dunst+, nicole kidman+, cate blanchett+, julia roberts+, \
    sandra bullock+, halle berry+, viola davis+, lupita nyongo+, michael b jordan+, \
    idris elba+, benedict cumberbatch+, hugh jackman+, henry cavill+, jason momoa+, \
    blake lively+, gwyneth paltrow+, kate winslet+, helen mirren+, judi dench+, \
    ian mckellen+, patrick stewart+, sean connery+, daniel craig+, pierce brosnan+, \
    clint eastwood+, al pacino+, robert de niro+, de niro+, jack nicholson+, \
    harrison ford+, mark hamill+, steven spielberg+, quentin tarantino+, tarantino+, \
    christopher nolan+, martin scorsese+, james cameron+, george lucas+, paris hilton+, \
    kendall jenner+, khloe kardashian+, kourtney kardashian+, hailey bieber+, \
    gigi hadid+, bella hadid+, ali khamenei+, khamenei+, mohammed bin salman+, \
    bashar al assad+, bashar assad+, nicolas maduro+, maduro+, viktor orban+, orban+, \
    marine le pen+, nigel farage+, farage+, liz truss+, theresa may+, david cameron+, \
    tony blair+, gordon brown+, jacinda ardern+, anthony albanese+, shinzo abe+, \
    fumio kishida+, yoon suk yeol+, cyril ramaphosa+, pedro sanchez+, mark rutte+, \
    ursula von der leyen+, antonio guterres+, mitch mcconnell+, chuck schumer+, ted cruz+, \
    marco rubio+, lindsey graham+, mitt romney+, rudy giuliani+, steve bannon+, \
    tulsi gabbard+, robert f kennedy+, rfk jr, pete buttigieg+, gavin newsom+, \
    marjorie taylor greene+, matt gaetz+, nikki haley+, vivek ramaswamy+, \
    john f kennedy+, ronald reagan+, richard nixon+, jimmy carter+, nelson mandela+, \
    stephen curry+, steph curry+, kobe bryant+, shaquille oneal+, shaq, kevin durant+, \
    giannis antetokounmpo+, patrick mahomes+, travis kelce+, aaron rodgers+, \
    simone biles+, michael phelps+, naomi osaka+, coco gauff+, carlos alcaraz+, \
    lewis hamilton+, max verstappen+, zlatan ibrahimovic+, erling haaland+, \
    mohamed salah+, david beckham+, beckham+, wayne rooney+, diego maradona+, maradona+, \
    muhammad ali+, floyd mayweather+, jake paul+, logan paul+, khabib nurmagomedov+, \
    ronda rousey+, shohei ohtani+, derek jeter+, wayne gretzky+, tony hawk+, \
    kai cenat+, ishowspeed, addison rae+, charli damelio+, khaby lame+, markiplier+, \
    kim jong il+, ivanka+, melania+, bill maher+, alex jones+, george soros+, soros+, \
    anthony fauci+, fauci+, kanye+, ye west, beyonce knowles+, jay z+, oprah winfrey+";

/// Characters from films, games and comics, and commercial brands.
pub const CHARACTERS_BRANDS: &str = "mickey mouse+, minnie mouse+, donald duck+, \
    spider-man+, spiderman+, spider man+, batman+, superman+, wonder woman+, iron man+, \
    captain america+, hulk, the hulk, thor odinson, deadpool+, wolverine logan, \
    joker batman, harley quinn+, darth vader+, luke skywalker+, yoda+, baby yoda, \
    princess leia+, han solo+, chewbacca+, stormtrooper+, harry potter+, hermione granger+, \
    hermione, voldemort+, dumbledore+, hogwarts, gandalf+, frodo baggins+, frodo, gollum+, \
    pikachu+, pokemon+, charizard+, super mario+, mario bros, luigi mario, princess peach+, \
    bowser koopa, donkey kong+, sonic the hedgehog+, link zelda, legend of zelda, \
    master chief+, lara croft+, kratos, minecraft, steve minecraft, creeper minecraft, \
    fortnite, shrek+, buzz lightyear+, woody pride, elsa frozen, elsa and anna, olaf frozen, \
    simba+, nemo clownfish, finding nemo, spongebob+, squarepants, patrick star+, \
    homer simpson+, bart simpson+, the simpsons, marge simpson+, peppa pig+, bugs bunny+, \
    daffy duck+, tom and jerry, scooby doo+, scooby-doo+, winnie the pooh+, hello kitty+, \
    barbie+, ken barbie, optimus prime+, godzilla+, king kong+, \
    james bond+, agent 007, sherlock holmes bbc, indiana jones+, jack sparrow+, \
    captain jack sparrow, wednesday addams+, stranger things, paw patrol, bluey heeler, \
    teenage mutant ninja turtles, ninja turtles, garfield+, snoopy+, naruto+, goku+, \
    sailor moon+, totoro+, hatsune miku+, kermit the frog+, miss piggy+, elmo+, \
    big bird sesame, cookie monster+, coca-cola+, coca cola+, cocacola, pepsi+, \
    mcdonalds, mcdonald's, big mac+, burger king+, kfc, starbucks, subway sandwich, \
    nike+, adidas, puma logo, gucci, louis vuitton+, chanel, prada, versace, hermes birkin, \
    rolex+, ferrari+, lamborghini+, porsche+, tesla cybertruck, tesla model, bmw+, \
    mercedes benz+, toyota+, volkswagen+, apple logo, iphone+, ipad+, macbook+, \
    samsung galaxy, google, microsoft, windows logo, amazon logo, amazon prime, \
    facebook, instagram, tiktok, youtube, netflix, disney, pixar, marvel comics, \
    marvel studios, dc comics, warner bros, star wars, lego+, nintendo, playstation+, \
    xbox+, red bull can+, heineken, budweiser, doritos, oreo+, kitkat+, kit kat+, \
    m&m+, skittles, pringles, nutella, lays chips, ikea, walmart, target logo, \
    airbnb, spotify, twitter logo, openai, chatgpt, hot wheels, nerf gun+, \
    jeep wrangler+, harley davidson+, ray ban+, converse sneaker+, levis, levi's jeans, \
    luigi+, mario and luigi, mario kart, super mario bros, princess elsa, queen elsa, \
    elsa and olaf, olaf the snowman, from frozen, disneys frozen, sonic{boom booms speed \
    screwdriver toothbrush youth wave waves}, ronald mcdonald+, golden arches, \
    buzz and woody, woody and buzz, toy story, despicable me, minions movie, \
    pooh bear+, pooh and piglet, monster energy, goofy and pluto, pluto the dog, \
    disneyland, disney world, michelin man, kirby+, tardis, doctor who, air jordan+, \
    air jordans, thomas the tank engine+, the lion king, lion king, finding dory, \
    the incredibles, kung fu panda, how to train your dragon, the little mermaid, \
    moana, encanto, lilo and stitch, sesame street, the muppets, looney tunes, \
    the avengers, avengers, x men, justice league, transformers, jurassic park, \
    ghostbusters, game of thrones, lord of the rings, the hobbit, the witcher, \
    call of duty, overwatch, league of legends, among us, roblox, animal crossing, \
    street fighter, mortal kombat, final fantasy, resident evil, angry birds, pac man+, \
    pacman+, tetris, my little pony, care bears, power rangers, thundercats, \
    dragon ball, one piece{swimsuit swimsuits bathing suit suits}, attack on titan, demon slayer, studio ghibli, spirited away, \
    paddington bear+, paddington, baby shark, cinderella castle, the grinch, \
    rick and morty, scooby, bart simpson+, megatron+, bumblebee transformer+, spock+, \
    captain kirk+, legolas+, aragorn+, r2d2, r2 d2, c3po, c 3po, bb8, grogu+, \
    mandalorian+, boba fett+, kylo ren+, thanos+, marvels black panther, captain marvel+, \
    doctor strange+, groot+, rocket raccoon+, aquaman+, green lantern+, catwoman+, \
    yoshi+, princess zelda+, mega man+, megaman+, crash bandicoot+, spyro+, \
    jigglypuff+, eevee+, mewtwo+, ash ketchum+, luffy+, doraemon+, kuromi+, tweety+, \
    tweety bird+, road runner+, wile e coyote+, porky pig+, popeye+, betty boop+, \
    felix the cat+, casper the friendly ghost, he man+, skeletor+, smurf+, smurfs, \
    teletubbies, teletubby, barney the dinosaur, dora the explorer, patrick star+, \
    squidward+, mr krabs+, rugrats, coke bottle+, bottle of coke, can of coke, coke can+, \
    diet coke, coke zero, sprite can+, fanta+, dr pepper+, mountain dew+, gatorade+, \
    dunkin donuts, dunkin+, taco bell+, wendys, pizza hut+, dominos pizza, chipotle+, \
    krispy kreme+, heinz ketchup, kelloggs, frosted flakes, tony the tiger, cheerios, \
    lucky charms, nestle+, hersheys, snickers, twix, toblerone+, haribo+, lindt+, \
    ben and jerrys, coors+, corona beer+, guinness+, jack daniels, absolut vodka, \
    marlboro+, reebok+, under armour+, vans sneaker+, north face jacket+, supreme logo, \
    balenciaga+, dior+, burberry+, tiffany and co, cartier+, omega watch+, lululemon+, \
    uniqlo+, home depot+, costco+, ups truck+, fedex+, uber+, lyft+, ford mustang+, \
    chevrolet+, chevy+, honda+, nissan+, audi+, hyundai+, kia+, volvo+, land rover+, \
    range rover+, mini cooper+, bugatti+, mclaren+, maserati+, ducati+, yamaha+, \
    kawasaki+, boeing+, airbus+, spacex, android robot, nvidia, intel+, sony+, \
    canon camera+, nikon+, gopro+, bose+, beats headphones, airpods, apple watch+, \
    nintendo switch+, game boy+, gameboy+, sega+, atari+, pokeball+, \
    mcdonald's logo, nike swoosh, can of red bull, red bull drink+, red bull energy, mickey and minnie, minnie and mickey, \
    minions, the minions, minion toy+, gru and the minions, pillsbury doughboy+, pillsbury+, mr peanut+, geico gecko+, the geico, energizer bunny+, \
    chester cheetah+, jolly green giant+, colonel sanders+, kool aid man+, kool-aid man+, \
    cap n crunch+, captain crunch+, trix rabbit+, smokey bear+, smokey the bear, mr clean+, \
    quaker oats+, willy wonka+, oompa loompa+, oompa loompas, wonka bar+, gumball watterson+, \
    amazing world of gumball, ben 10, ben ten, pink panther+, she ra+, puss in boots, \
    lightning mcqueen+, tow mater+, wall e, walle robot+, remy the rat, ratatouille, \
    mirabel madrigal+, princess jasmine+, aladdins genie, the genie from aladdin, \
    princess ariel+, ariel the mermaid, snow white and the seven dwarfs, seven dwarfs, \
    rapunzel from tangled, disneys rapunzel, mulan+, pocahontas+, tinker bell+, tinkerbell+, \
    captain hook+, dumbo+, bambi+, pinocchio+, jiminy cricket+, rudolph the red nosed reindeer, \
    frosty the snowman, duolingo owl+, duo the owl, twitter bird+, shrek and donkey, \
    fiona from shrek, princess peach+, bowser+, donkey kong+, link from zelda, \
    sonic the hedgehog+, tails the fox, knuckles the echidna, pikachu+, charizard+, \
    hello kitty+, my melody, pompompurin+, cinnamoroll+, rilakkuma+, chococat+, \
    peppa pig+, george pig+, daddy pig+, bluey+, bingo heeler+, chase from paw patrol, \
    marshall from paw patrol, spongebob+, sponge bob+, shaun the sheep+, wallace and gromit, \
    postman pat+, fireman sam+, bob the builder+, peter rabbit+, curious george+, \
    clifford the big red dog, arthur the aardvark, caillou+, daniel tiger+, \
    blues clues, cocomelon+, pj masks, miraculous ladybug, cat noir+, \
    hatsune miku+, sanrio+, kuromi+, stitch from lilo, winnie the pooh+, eeyore+, tigger+, \
    piglet from pooh, ronald mcdonald+, wendys girl, the burger king mascot, \
    the kfc colonel, m and m characters, m&m characters, mms characters, \
    starbucks siren, starbucks logo+, nike logo+, adidas logo+, coca cola polar bear+, \
    michelin tire man, bibendum+, mr potato head+, furby+, tamagotchi+, cabbage patch kid+, \
    polly pocket+, hatchimals, beanie baby+, beanie babies, transformers toy+, \
    mushroom kingdom, lives in a pineapple, bikini bottom, lightning scar, \
    gotham, wakanda, the dark knight, web slinger+, web slinging, lightsaber+, light saber+, \
    jedi+, sith lord+, galaxy far far away, middle earth, mordor, the shire, hobbit+, \
    pokemon+, pokémon, mouse with red shorts, neverland, hundred acre wood, hogwarts, quidditch, muggle+, death star, \
    stormtrooper+, storm trooper+, wookiee+, wookie+, tatooine, krusty krab, \
    springfield simpsons, the simpsons, pixar lamp, arendelle, agrabah, pride rock, \
    hakuna matata, infinity gauntlet, vibranium, kryptonite, batmobile+, batcave, \
    bat signal, spider sense, triforce, hyrule, green pipe+ _ mario, power pellet+, \
    creeper from minecraft, minecraft+, fortnite, among us crewmate+";
