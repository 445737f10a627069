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
    ivanka trump+, hunter biden+, jill biden+";

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
    jeep wrangler+, harley davidson+, ray ban+, converse sneaker+, levis, levi's jeans";
